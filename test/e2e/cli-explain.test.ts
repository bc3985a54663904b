// `tsproxyd --explain` as a user runs it: the config is checked first, the explanation goes to stdout, exit 0;
// a bad request description or a config error is exit 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeConfDir } from '../helpers/conf-dir.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = makeConfDir('tsproxyd-explain-e2e-');
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

test('conf/websocket-rewrite.conf: an upgrade is tunnelled by the [P] rule, a plain request goes to the ProxyPass', async () => {
  const ws = await tsproxyd('--check', '-f', 'conf/websocket-rewrite.conf', '--explain', 'GET /chat HTTP/1.1', '-H', 'Host: localhost', '-H', 'Upgrade: websocket', '-H', 'Connection: keep-alive, Upgrade');
  assert.equal(ws.code, 0, ws.stderr);
  assert.equal(ws.stderr, 'Syntax OK\n');
  assert.match(ws.stdout, /^request: GET \/chat HTTP\/1\.1 from 127\.0\.0\.1:50000 to 127\.0\.0\.1:8080\nserver: the main server \(ServerName localhost\)\nrewrite:\n/);
  assert.match(ws.stdout, /conf\/websocket-rewrite\.conf:17: RewriteCond %\{HTTP:Connection\} upgrade \[NC\]\n {6}'keep-alive, Upgrade' against 'upgrade' \[NC\] => matched\n/);
  assert.match(ws.stdout, /decision: forward to ws:\/\/127\.0\.0\.1:9080\/chat\n {2}upgrade: 'websocket' goes to the backend/);
  assert.match(ws.stdout, /decided by conf\/websocket-rewrite\.conf:18: RewriteRule/);
  const plain = await tsproxyd('-f', 'conf/websocket-rewrite.conf', '--explain', 'GET /chat', '-H', 'Host: localhost');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /decision: forward to http:\/\/127\.0\.0\.1:9080\/chat\n {2}plain HTTP/);
  assert.match(plain.stdout, /decided by conf\/websocket-rewrite\.conf:13: ProxyPass \/ http:\/\/127\.0\.0\.1:9080\/\n$/);
});

test('a bad request line is exit 1; a config with errors is not explained', async () => {
  const bad = await tsproxyd('-f', 'conf/websocket-rewrite.conf', '--explain', 'GET');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--explain wants a request line/);
  const conf = dir.write('bad.conf', 'Listen 127.0.0.1:8080\nRewriteEngine maybe\n');
  const r = await tsproxyd('-f', conf, '--explain', 'GET / HTTP/1.1', '-H', 'Host: x');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /RewriteEngine must be On or Off/);
});
