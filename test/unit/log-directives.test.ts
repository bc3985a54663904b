import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../grammar/ast.js';
import { createLogConfigModule, logConfigModule } from '../../src/modules/log/directives.js';
import { parseLogFormat } from '../../src/modules/log/format.js';
import { newModel, run } from './fake-site.js';

const log = (name: string, ...words: string[]) => run(logConfigModule, name, words, { serverRoot: '/tmp' });
const LEVELS = 'Log level keyword must be one of emerg/alert/crit/error/warn/notice/info/debug/trace1/.../trace8';

// [directive, words, httpd 2.4.71's message]
const errors: [string, string[], string][] = [
  ['LogFormat', ['%h %Z'], 'Unrecognized LogFormat directive %Z'],
  ['LogFormat', ['%h %{x}Z'], 'Unrecognized LogFormat directive %Z'],
  ['LogFormat', ['%'], 'Ran off end of LogFormat parsing args to some directive'],
  ['LogFormat', ['%{x'], 'Ran off end of LogFormat parsing args to some directive'],
  ['LogFormat', ['%400'], 'Ran off end of LogFormat parsing args to some directive'],
  ['LogFormat', ['%!'], 'Ran off end of LogFormat parsing args to some directive'],
  ['LogFormat', ['%{x}^tz'], 'Unrecognized LogFormat directive %^'],
  ['LogFormat', ['%^'], 'Unrecognized LogFormat directive %^'],
  ['CustomLog', ['logs/a', '%Z'], 'Unrecognized LogFormat directive %Z'],
  ['CustomLog', ['logs/a', '%h', 'foo'], 'error in condition clause'],
  ['CustomLog', ['logs/a', '%h', 'env='], 'missing environment variable name'],
  ['CustomLog', ['logs/a', '%h', 'expr='], 'syntax error, unexpected $end'],
  ['BufferedLogs', ['x'], 'BufferedLogs must be On or Off'],
  ['LogLevel', ['foo'], LEVELS],
  ['LogLevel', ['rewrite:foo'], `rewrite:foo: ${LEVELS}`],
  ['LogLevel', ['rewrite:'], "Module specifier 'rewrite' must be followed by a log level keyword"],
  ['LogLevel', ['nosuch:info'], 'Cannot find module nosuch'],
  ['LogLevel', ['warn', 'nosuch:info'], 'Cannot find module nosuch'],
  ['LogLevel', [':info'], 'Cannot find module '],
  ['LogLevel', ['warn:info'], 'Cannot find module warn'],
  ['LogLevel', ['REWRITE:info'], 'Cannot find module REWRITE'],
  ['LogLevel', ['trace8', 'trace9'], LEVELS],
];
for (const [name, words, message] of errors) {
  test(`${name} ${words.join(' ')} → ${message}`, () => assert.equal(log(name, ...words).error, message));
}

test('the whole documented directive set parses', () => {
  const all = '%h %<s %>s %400,501{User-agent}i %!200,304{Referer}i %{begin:%d}t %{c}a %{remote}p %{tid}P %{ms}T %^ti %{X}^to %I %O %S %L %k %R %X %V %v %U %u %T %q %P %p %f %H %l %m %n %o %C %B %b %D %A %a %e %i %r %s %t %%';
  assert.equal(log('LogFormat', all).error, undefined);
});

test('format items are typed', () => {
  const f = parseLogFormat('%h "%!200,304{Referer}i" %>s\\t%{X}^ti');
  assert.ok(typeof f !== 'string');
  assert.deepEqual(f.parts, [
    { kind: 'item', directive: 'h' },
    { kind: 'text', text: ' "' },
    { kind: 'item', directive: 'i', arg: 'Referer', statuses: { codes: [200, 304], negate: true } },
    { kind: 'text', text: '" ' },
    { kind: 'item', directive: 's', want: 'final' },
    { kind: 'text', text: '\t' },
    { kind: 'item', directive: '^ti', arg: 'X' },
  ]);
});

test('LogFormat nickname, CustomLog target and condition, GlobalLog, TransferLog', () => {
  const r = log('LogFormat', '%h %u', 'short');
  assert.equal(r.conf.server.formats.get('short')?.source, '%h %u');
  run(logConfigModule, 'CustomLog', ['|/usr/bin/rotatelogs x 86400', 'short', 'env=!dontlog'], {}, r.conf);
  run(logConfigModule, 'CustomLog', ['|$cat >> /tmp/x.log', 'short'], {}, r.conf);
  run(logConfigModule, 'GlobalLog', ['/tmp/g.log', '%h'], {}, r.conf);
  run(logConfigModule, 'TransferLog', ['||/bin/cat'], {}, r.conf);
  const [a, shell, b, c] = r.conf.server.logs;
  // httpd 2.4: "|prog" and "||prog" run prog directly, "|$cmd" through /bin/sh (verified with apache2)
  assert.deepEqual(a!.target, { kind: 'pipe', command: '/usr/bin/rotatelogs x 86400', shell: false });
  assert.deepEqual(shell!.target, { kind: 'pipe', command: 'cat >> /tmp/x.log', shell: true });
  assert.deepEqual(a!.condition, { kind: 'env', name: 'dontlog', negate: true });
  assert.equal(b!.global, true);
  assert.deepEqual(b!.target, { kind: 'file', path: '/tmp/g.log' });
  assert.deepEqual(c!.target, { kind: 'pipe', command: '/bin/cat', shell: false });
  assert.equal(c!.format, undefined);
});

test('finish() resolves nicknames (from the main server too) and warns about unknown ones', () => {
  const model = newModel('/tmp');
  const main = run(logConfigModule, 'LogFormat', ['%h %l', 'common'], { model });
  model.main.confs.set('log_config', main.conf.server);
  run(logConfigModule, 'CustomLog', ['logs/a', 'common'], { model }, main.conf);
  run(logConfigModule, 'CustomLog', ['logs/b', 'combined'], { model }, main.conf);
  const out: Diagnostic[] = [];
  logConfigModule.finish!(model, (d) => out.push(d));
  assert.equal(main.conf.server.logs[0]!.format?.source, '%h %l');
  assert.equal(out.length, 1);
  assert.match(out[0]!.message, /no LogFormat is named 'combined'/);
});

test('a log file in a missing directory: httpd AH02297 / AH02291', () => {
  const c = log('CustomLog', '/nonexist/a', '%h');
  assert.equal(c.error, undefined);
  assert.deepEqual(c.reports[0], { severity: 'error', message: "Cannot access directory '/nonexist/' for log file '/nonexist/a'", word: '/nonexist/a' });
  const e = log('ErrorLog', '/nonexist/e');
  assert.equal(e.reports[0]!.message, "Cannot access directory '/nonexist/' for main error log");
  assert.deepEqual(log('ErrorLog', 'syslog:local7').conf.server.errorLog, { kind: 'syslog', facility: 'local7' });
  assert.equal(log('ErrorLog', 'syslog:local7').reports.length, 0);
});

test('LogLevel: module forms, reset by a bare level, per-directory conf', () => {
  const r = log('LogLevel', 'warn', 'rewrite:trace3', 'mod_proxy.c:debug', 'proxy_http_module:INFO', 'core:info', 'http:info', 'mpm_event:info');
  assert.equal(r.error, undefined);
  assert.equal(r.conf.server.logLevel.level, 'warn');
  assert.deepEqual(Object.fromEntries(r.conf.server.logLevel.modules), {
    rewrite: 'trace3', proxy: 'debug', proxy_http: 'info', core: 'info', http: 'info', mpm_event: 'info',
  });
  run(logConfigModule, 'LogLevel', ['info'], {}, r.conf);
  assert.equal(r.conf.server.logLevel.modules.size, 0);
  const d = run(logConfigModule, 'LogLevel', ['debug'], { sections: [['Location', 'Location']] });
  assert.equal(d.conf.dir?.logLevel.level, 'debug');
  const custom = createLogConfigModule(['rewrite']);
  assert.equal(run(custom, 'LogLevel', ['proxy:info']).error, 'Cannot find module proxy');
});
