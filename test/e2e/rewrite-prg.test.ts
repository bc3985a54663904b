// RewriteMap prg: in the real server: the program starts with tsproxyd, answers lookups for requests (the server
// waits for it without blocking other requests), is started again after it exits, and is stopped with the server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeConfDir } from '../helpers/conf-dir.js';
import { rawExchange } from '../helpers/proxy.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = makeConfDir('tsproxyd-prg-e2e-');
after(() => dir.remove());

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a prg: map answers through the server, comes back after exiting, and stops with it', async () => {
  const pids = dir.write('pids', '');
  const script = dir.write('map.sh', `echo $$ >> ${pids}\nwhile IFS= read -r k; do\n  case "$k" in\n    die) exit 1;;\n    slow) sleep 1; echo slow-done;;\n    *) echo "v-$k";;\n  esac\ndone\n`);
  const port = await freePort();
  const file = dir.write('prg.conf', `Listen 127.0.0.1:${port}\nServerName localhost\nWorkerProcesses 1\nRewriteEngine on\nRewriteMap m "prg:/bin/sh ${script}"\nRewriteRule ^/m/(.*) http://x/\${m:$1|dflt} [R]\nRewriteRule ^/plain$ http://x/plain [R]\n`);
  const child = spawn(process.execPath, [CLI, '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (let i = 0; i < 200 && !err.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 25));
  const location = async (path: string) => /\r\nLocation: (\S+)/.exec((await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 2000)).text)?.[1];

  assert.equal(await location('/m/abc'), 'http://x/v-abc');
  // A slow lookup does not hold up a request that needs no program.
  const slow = location('/m/slow');
  const t0 = Date.now();
  assert.equal(await location('/plain'), 'http://x/plain');
  assert.ok(Date.now() - t0 < 800, 'the plain request did not wait for the program');
  assert.equal(await slow, 'http://x/slow-done');

  assert.equal(await location('/m/die'), 'http://x/', 'a program that exits gives an empty value');
  await new Promise((r) => setTimeout(r, 1200)); // restarted at most once a second
  assert.equal(await location('/m/back'), 'http://x/v-back');
  const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  assert.equal(started.length, 2);
  assert.match(err, /RewriteMap program \/bin\/sh \(map m\) exited \(status 1\); restarting it/);

  child.kill('SIGTERM');
  assert.equal(await exit, 0);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(started[1]!), false, 'the program is stopped with the server');
});
