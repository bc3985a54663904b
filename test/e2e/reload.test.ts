// The process lifecycle (src/cli/serve.ts, ProxyServer.reload/shutdown): the real tsproxyd process reloaded 10
// times under load (valid and invalid configurations alternately) while WebSocket tunnels exchange messages and
// HTTP requests keep coming: no failed request, no dropped tunnel, no lost message, the new routes in effect after
// each valid reload. Then a graceful stop: the tunnels end with a FIN (not a reset) and the process exits 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const TUNNELS = 500;
const RELOADS = 10;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string, agent: http.Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
  });
}

describe('graceful reload under load, then graceful stop', () => {
  let dir: ConfDir;
  let backend: WsBackend;
  let child: ChildProcess;
  let port = 0;
  let output = '';
  const conf = (version: string) => `ServerRoot ${dir.root}
PidFile ${dir.root}/tsproxyd.pid
LogLevel info
GracefulShutdownTimeout 1
Listen 127.0.0.1:${port}
ServerName localhost
ProxyPass /ws ws://127.0.0.1:${backend.port}/ws
ProxyPass /common/ http://127.0.0.1:${backend.port}/common/
ProxyPass /${version}/ http://127.0.0.1:${backend.port}/${version}/
`;

  /** Writes the config, sends SIGHUP and waits for the server's verdict in its log. */
  async function reload(text: string): Promise<'reloaded' | 'refused'> {
    dir.write('tsproxyd.conf', text);
    const before = output.length;
    child.kill('SIGHUP');
    for (let i = 0; i < 200; i++) {
      const seen = output.slice(before);
      if (/reloaded: listening/.test(seen)) return 'reloaded';
      if (/still serving the previous configuration/.test(seen)) return 'refused';
      await sleep(25);
    }
    throw new Error(`no reload verdict; output:\n${output.slice(before)}`);
  }

  before(async () => {
    dir = makeConfDir();
    backend = await startWsBackend();
    port = await freePort();
    const file = dir.write('tsproxyd.conf', '');
    dir.write('tsproxyd.conf', conf('v1'));
    child = spawn(process.execPath, [CLI, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 200 && !output.includes('listening on'); i++) await sleep(25);
    assert.match(output, /listening on 127\.0\.0\.1:/);
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await backend?.close();
    dir?.remove();
  });

  test(`${RELOADS} reloads with ${TUNNELS} tunnels and steady HTTP: nothing fails, nothing is lost`, async () => {
    assert.equal(readFileSync(`${dir.root}/tsproxyd.pid`, 'utf8').trim(), String(child.pid));
    // The tunnels, each with its own sequence of messages.
    const clients: { ws: WebSocket; sent: number; got: number; errors: number; closed: boolean }[] = [];
    for (let i = 0; i < TUNNELS; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      const c = { ws, sent: 0, got: 0, errors: 0, closed: false };
      ws.on('message', (m) => {
        assert.equal(m.toString(), `${i}:${c.got}`, 'in order');
        c.got++;
      });
      ws.on('error', () => c.errors++);
      ws.on('close', () => (c.closed = true));
      clients.push(c);
    }
    await Promise.all(clients.map((c) => new Promise((r, j) => (c.ws.once('open', r), c.ws.once('error', j)))));
    let running = true;
    const talk = (async () => {
      while (running) {
        for (const [i, c] of clients.entries()) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(`${i}:${c.sent++}`);
        await sleep(100);
      }
    })();
    // HTTP: keep-alive and connection-per-request, all the time.
    const failures: string[] = [];
    let requests = 0;
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const load = (async () => {
      while (running) {
        const results = await Promise.allSettled([get(port, '/common/x', keepAlive), get(port, '/common/y', false)]);
        for (const r of results) {
          requests++;
          if (r.status === 'rejected') failures.push(String(r.reason));
          else if (r.value !== 200) failures.push(`status ${r.value}`);
        }
      }
    })();

    for (let n = 1; n <= RELOADS; n++) {
      await sleep(150);
      if (n % 2 === 1) {
        assert.equal(await reload('ProxyPass /broken\nNoSuchDirective on\n'), 'refused', `reload ${n} (invalid) is refused`);
        assert.equal(await get(port, `/v${(n - 1) % 4 === 0 ? 1 : 2}/x`, false), 200, 'the old routes still serve');
      } else {
        const v = n % 4 === 2 ? 'v2' : 'v1';
        assert.equal(await reload(conf(v)), 'reloaded', `reload ${n} (valid) is taken`);
        assert.equal(await get(port, `/${v}/x`, false), 200, `the new route /${v}/ is in effect`);
        assert.equal(await get(port, `/${v === 'v1' ? 'v2' : 'v1'}/x`, false), 404, 'the removed route is gone');
      }
    }
    await sleep(300);
    running = false;
    await Promise.all([talk, load]);
    await sleep(300); // the last echoes
    keepAlive.destroy();
    assert.deepEqual(failures, [], `failed HTTP requests out of ${requests}`);
    assert.ok(requests > 100, `a steady stream of requests (${requests})`);
    assert.equal(clients.filter((c) => c.closed).length, 0, 'no tunnel dropped');
    assert.equal(clients.reduce((n, c) => n + c.errors, 0), 0, 'no tunnel error');
    const lost = clients.reduce((n, c) => n + (c.sent - c.got), 0);
    assert.equal(lost, 0, 'every message echoed');
    assert.ok(clients[0]!.sent >= 5, 'messages flowed throughout');

    // Graceful stop: the tunnels are closed after GracefulShutdownTimeout (1 s) with FIN, never a reset.
    const ends = clients.map(
      (c) =>
        new Promise<string>((resolve) => {
          const sock = (c.ws as unknown as { _socket: net.Socket })._socket;
          sock.once('end', () => resolve('fin'));
          sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        }),
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const how = await Promise.all(ends);
    assert.deepEqual([...new Set(how)], ['fin']);
    assert.ok(Date.now() - t0 >= 900, 'tunnels were given the drain time');
    assert.equal(await exited, 0);
    assert.throws(() => readFileSync(`${dir.root}/tsproxyd.pid`), /ENOENT/, 'the pid file is removed');
  });
});
