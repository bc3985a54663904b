// `tsproxyd -f FILE` serves in the foreground: one "listening on" line per listener, requests proxied through
// the real matcher, SIGTERM and SIGINT close the listeners and exit 0; a port in use exits 1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headerOf, startBackend } from '../helpers/backend.js';
import { makeConfDir } from '../helpers/conf-dir.js';
import { rawExchange } from '../helpers/proxy.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = makeConfDir();
after(() => dir.remove());

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function run(file: string): { stderr: () => string; exit: Promise<number | null>; kill: (s: NodeJS.Signals) => void; ready: (n: number) => Promise<void> } {
  const child = spawn(process.execPath, [CLI, '-X', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    stderr: () => err,
    exit,
    kill: (s) => child.kill(s),
    async ready(n) {
      for (let i = 0; i < 200 && (err.match(/listening on/g) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 25));
    },
  };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`serves through the matcher and exits 0 on ${signal}`, async () => {
    const be = await startBackend();
    const [p1, p2] = [await freePort(), await freePort()];
    const file = dir.write(`run-${signal}.conf`, `Listen 127.0.0.1:${p1}\nListen 127.0.0.1:${p2}\nServerName proxy.example\nProxyPass /app/ http://127.0.0.1:${be.port}/in/\n`);
    const proc = run(file);
    await proc.ready(2);
    assert.equal(proc.stderr(), `tsproxyd: listening on 127.0.0.1:${p1}\ntsproxyd: listening on 127.0.0.1:${p2}\n`);
    const r = await rawExchange(p2, 'GET /app/x?y HTTP/1.1\r\nHost: front\r\n\r\n', 500);
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(be.requests[0]!.path, '/in/x?y');
    assert.equal(headerOf(be.requests[0]!, 'X-Forwarded-Server'), 'proxy.example');
    proc.kill(signal);
    assert.equal(await proc.exit, 0);
    await be.close();
  });
}

test('a port already in use: exit 1 with httpd-like words', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as net.AddressInfo).port;
  const file = dir.write('busy.conf', `Listen 127.0.0.1:${port}\nServerName p\n`);
  const proc = run(file);
  assert.equal(await proc.exit, 1);
  assert.match(proc.stderr(), /could not bind to address 127\.0\.0\.1:\d+: Address already in use\ntsproxyd: no listening sockets available, shutting down\n/);
  await new Promise<void>((r) => busy.close(() => r()));
});
