// The tsproxyd command as a user runs it: exit codes, what it prints, every example in conf/.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeConfDir } from '../helpers/conf-dir.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = makeConfDir();
after(() => dir.remove());

async function tsproxyd(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const confFiles = readdirSync(new URL('../../../conf/', import.meta.url)).filter((f) => f.endsWith('.conf'));

test('conf/ holds the default and the mod_proxy_wstunnel examples', () => {
  for (const f of ['httpd.conf', 'websocket-only.conf', 'websocket-match-before-http.conf', 'websocket-rewrite.conf', 'upgrade-any.conf', 'upgrade-none.conf', 'websocket-fallback-off.conf']) {
    assert.ok(confFiles.includes(f), f);
  }
});

for (const f of confFiles) {
  test(`conf/${f} passes --check`, async () => {
    const r = await tsproxyd('--check', '-f', `conf/${f}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Syntax OK\n$/);
    assert.doesNotMatch(r.stderr, /Syntax error/);
  });
}

test('errors: every one printed with line, column, the line and a caret; exit 1', async () => {
  const file = dir.write('bad.conf', 'Listen 8080\nProxyPasss / http://b/\n  ProxyTimeout 1 2\n');
  const r = await tsproxyd('-t', '-f', file);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    [
      `tsproxyd: Syntax error on line 2 of ${file}: Invalid command 'ProxyPasss', perhaps misspelled or defined by a module not included in the server configuration (did you mean 'ProxyPass'?)`,
      `  --> ${file}:2:1`,
      '   |',
      ' 2 | ProxyPasss / http://b/',
      '   | ^',
      `tsproxyd: Syntax error on line 3 of ${file}: ProxyTimeout takes one argument, Set the timeout (in seconds) for a proxied connection. This overrides the server timeout`,
      `  --> ${file}:3:3`,
      '   |',
      ' 3 |   ProxyTimeout 1 2',
      '   |   ^',
      '',
    ].join('\n'),
  );
});

test('warnings never change the exit code', async () => {
  const file = dir.write('warn.conf', 'ProxyPass / http://a/\nProxyPass /api http://b/\n');
  const r = await tsproxyd('--check', '-f', file);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /Warning on line 2 of .*ProxyPass \/api is never used/);
  assert.match(r.stderr, /Syntax OK\n$/);
});

test('a missing file is one line, no stack trace', async () => {
  const r = await tsproxyd('-t', '-f', '/nonexistent/httpd.conf');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'tsproxyd: Could not open configuration file /nonexistent/httpd.conf: No such file or directory\n');
});

test('an unreadable path (a directory) is one line too', async () => {
  const r = await tsproxyd('-t', '-f', dir.root);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^tsproxyd: Could not open configuration file .*\n$/);
});

test('-D defines a name for <IfDefine>', async () => {
  const file = dir.write('define.conf', '<IfDefine STRICT>\nBogus\n</IfDefine>\n');
  assert.equal((await tsproxyd('-t', '-f', file)).code, 0);
  const r = await tsproxyd('-t', '-D', 'STRICT', '-f', file);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Invalid command 'Bogus'/);
});

test('-S shows virtual hosts and the ordered routing rules', async () => {
  const file = dir.write(
    'dump.conf',
    'Listen 8080\nServerName main.example\nProxyPass /m http://m/\n<VirtualHost *:8080>\nServerName a.example\nProxyPass /ws/ ws://a:1/ upgrade=websocket\n</VirtualHost>\n<VirtualHost *:8080>\nServerName b.example\nServerAlias *.b.example\n</VirtualHost>\n',
  );
  const r = await tsproxyd('-S', '-f', file);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^VirtualHost configuration:\n\*:8080 +is a NameVirtualHost\n +default server a\.example/);
  assert.match(r.stdout, /port 8080 namevhost b\.example .*\n +alias \*\.b\.example/);
  assert.match(r.stdout, /Routing, <VirtualHost \*:8080> a\.example[^\n]*\n  \(from main server\) ProxyPass \/m -> http:\/\/m\/[^\n]*\n  ProxyPass \/ws\/ -> ws:\/\/a:1\/ upgrade=websocket/);
});

test('-v, -h and a bad option', async () => {
  assert.match((await tsproxyd('-v')).stdout, /^tsproxyd\/\d+\.\d+\.\d+/);
  assert.match((await tsproxyd('-h')).stdout, /Usage: tsproxyd/);
  const bad = await tsproxyd('--bogus');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown option '--bogus'/);
});

test('the default file is conf/httpd.conf', async () => {
  const r = await tsproxyd('-t');
  assert.equal(r.code, 0, r.stderr);
});

test('-S lists server RewriteRules before ProxyPass, as httpd applies them', async () => {
  const r = await tsproxyd('-S', '-f', 'conf/websocket-rewrite.conf');
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /rewrite phase:\n +RewriteRule \^\/\?\(\.\*\) ws:\/\/127\.0\.0\.1:9080\/\$1 \[P,L\][^\n]*\n +if %\{HTTP:Upgrade\} matches websocket \[NC\][^\n]*\n +if %\{HTTP:Connection\} matches upgrade \[NC\][^\n]*\n +ProxyPass \/ -> http:\/\/127\.0\.0\.1:9080\//,
  );
});
