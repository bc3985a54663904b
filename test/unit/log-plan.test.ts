// Which access logs each server writes (src/log/plan.ts), compiled into the Plan: httpd's mod_log_config rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import type { AccessRecord } from '../../src/log/record.js';
import type { ServerLogs } from '../../src/log/plan.js';

function plan(conf: string) {
  const r = loadConfig({ file: '/tmp/log-plan.conf', text: `ServerName main.test\n${conf}`, env: {} });
  assert.equal(r.errors, 0, r.diagnostics.map((d) => d.message).join('\n'));
  return compilePlan(r.model);
}

const files = (logs: ServerLogs | undefined) => (logs?.access ?? []).map((a) => a.key.replace(/^file:\/tmp\//, ''));

const REC = {
  startUs: 0, startHr: 0n, endUs: 0, endHr: 0n, remoteAddr: '10.0.0.1', remotePort: 1, localAddr: '10.0.0.2', localPort: 80, tls: false,
  serverName: 's', serverPort: undefined, hostName: undefined, useCanonicalName: false, requestLine: 'GET / HTTP/1.1', method: 'GET',
  protocol: 'HTTP/1.1', path: '/', query: undefined, status: 200, originalStatus: 200, bodyBytes: 0, bytesSent: 0, bytesReceived: 0,
  requestHeader: () => undefined, responseHeader: () => undefined, env: new Map(), keepAlives: 0, connStatus: '-', handler: undefined,
  filename: undefined, pid: 1,
} satisfies AccessRecord;

test('a vhost without logs of its own writes the main server\'s; one with its own writes only those (+ GlobalLog)', () => {
  const p = plan(`
CustomLog /tmp/main.log common
GlobalLog /tmp/global.log "%h"
<VirtualHost *:80>
  ServerName a.test
</VirtualHost>
<VirtualHost *:80>
  ServerName b.test
  CustomLog /tmp/b.log "%v"
  TransferLog /tmp/b2.log
</VirtualHost>
`);
  assert.deepEqual(files(p.main.settings.logs), ['main.log', 'global.log']);
  assert.deepEqual(files(p.vhosts[0]!.settings.logs), ['main.log', 'global.log']);
  assert.deepEqual(files(p.vhosts[1]!.settings.logs), ['b.log', 'b2.log', 'global.log']);
});

test('TransferLog uses the serving server\'s default LogFormat, else the main server\'s, else httpd\'s', () => {
  const p = plan(`
TransferLog /tmp/t.log
<VirtualHost *:80>
  ServerName a.test
  LogFormat "vhost %>s"
</VirtualHost>
<VirtualHost *:80>
  ServerName b.test
</VirtualHost>
`);
  const line = (l: ServerLogs | undefined) => l!.access[0]!.format(REC);
  assert.match(line(p.main.settings.logs), /^10\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.1" 200 -$/);
  assert.equal(line(p.vhosts[0]!.settings.logs), 'vhost 200');
  assert.match(line(p.vhosts[1]!.settings.logs), /^10\.0\.0\.1 - - /);
  const q = plan('LogFormat "main %s"\nTransferLog /tmp/t.log\n<VirtualHost *:80>\nServerName c.test\n</VirtualHost>\n');
  assert.equal(line(q.vhosts[0]!.settings.logs), 'main 200');
});

test('nicknames: common/combined only through LogFormat (as httpd), CLF built in', () => {
  const p = plan(`
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog /tmp/a.log common
CustomLog /tmp/b.log CLF
CustomLog /tmp/c.log combined
`);
  const [a, b, c] = p.main.settings.logs!.access.map((x) => x.format(REC));
  assert.match(a!, /^10\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.1" 200 -$/);
  assert.equal(b, a);
  assert.equal(c, 'combined'); // httpd writes an undefined nickname literally (tsproxyd --check warns)
});

test('conditions, ServerName port and UseCanonicalName reach the compiled logs', () => {
  const p = plan(`
<VirtualHost *:80>
  ServerName a.test:8080
  UseCanonicalName On
  CustomLog /tmp/a.log "%V %p" env=!nolog
</VirtualHost>
`);
  const l = p.vhosts[0]!.settings.logs!;
  assert.deepEqual(l.access[0]!.condition, { kind: 'env', name: 'nolog', negate: true });
  assert.equal(l.serverPort, 8080);
  assert.equal(l.useCanonicalName, true);
  assert.equal(l.access[0]!.format({ ...REC, serverName: 'a.test', serverPort: l.serverPort, useCanonicalName: true, hostName: 'other' }), 'a.test 8080');
});

test('logs are per server: every <Location> of a server shares the same compiled set', () => {
  const p = plan('CustomLog /tmp/a.log "%h"\n<Location /x>\nProxyPreserveHost On\n</Location>\n');
  const r = p.main.routing;
  assert.equal(r.settingsFor([0]).logs, p.main.settings.logs);
});
