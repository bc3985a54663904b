// WorkerProcesses (src/cli/workers.ts): the primary forks the workers, writes the PidFile, replaces a worker that
// dies (only that worker's connections are affected: the other's tunnels go on), and stops them all on SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = http.get({ host: '127.0.0.1', port, path: '/plain', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
  });
}

describe('WorkerProcesses 2', () => {
  let dir: ConfDir;
  let backend: WsBackend;
  let primary: ChildProcess;
  let port = 0;
  let output = '';

  before(async () => {
    dir = makeConfDir();
    backend = await startWsBackend();
    port = await freePort();
    const file = dir.write(
      'w.conf',
      `ServerRoot ${dir.root}\nPidFile ${dir.root}/w.pid\nWorkerProcesses 2\nGracefulShutdownTimeout 1\nListen 127.0.0.1:${port}\nServerName localhost\nProxyPass /ws ws://127.0.0.1:${backend.port}/ws\nProxyPass / http://127.0.0.1:${backend.port}/\n`,
    );
    primary = spawn(process.execPath, [CLI, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    primary.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 200 && (output.match(/listening on/g) ?? []).length < 2; i++) await sleep(25);
  });

  after(async () => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    await backend?.close();
    dir?.remove();
  });

  test('two workers serve; a killed one is replaced and the other keeps its tunnels; SIGTERM stops all', async () => {
    assert.equal((output.match(/listening on/g) ?? []).length, 2, output);
    assert.equal(readFileSync(`${dir.root}/w.pid`, 'utf8').trim(), String(primary.pid));
    const workers = childrenOf(primary.pid!);
    assert.equal(workers.length, 2);

    const clients: { ws: WebSocket; closed: boolean }[] = [];
    for (let i = 0; i < 40; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      const c = { ws, closed: false };
      ws.on('error', () => undefined);
      ws.on('close', () => (c.closed = true));
      await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
      clients.push(c);
    }
    process.kill(workers[0]!, 'SIGKILL');
    for (let i = 0; i < 200 && childrenOf(primary.pid!).filter((p) => p !== workers[0]).length < 2; i++) await sleep(25);
    const now = childrenOf(primary.pid!);
    assert.equal(now.length, 2, 'the dead worker was replaced');
    assert.ok(now.includes(workers[1]!), 'the other worker was not touched');
    await sleep(200);
    // Every tunnel that survived still works; those that closed belonged to the killed worker.
    const alive = clients.filter((c) => !c.closed);
    for (const [i, c] of alive.entries()) {
      const echoed = new Promise<string>((r) => c.ws.once('message', (m) => r(m.toString())));
      c.ws.send(`after ${i}`);
      assert.equal(await echoed, `after ${i}`);
    }
    for (let i = 0; i < 20; i++) assert.equal(await get(port), 200, 'new requests are served');

    const exited = new Promise<number | null>((r) => primary.once('exit', (code) => r(code)));
    primary.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(childrenOf(primary.pid!), []);
    assert.ok(clients.every((c) => c.closed || c.ws.readyState !== WebSocket.OPEN), 'tunnels closed by the stop');
  });
});

function getText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    r.on('error', reject);
  });
}

describe('WorkerProcesses 2: the status page adds up every process', () => {
  let dir: ConfDir;
  let backend: WsBackend;
  let primary: ChildProcess;
  let port = 0;
  let output = '';

  before(async () => {
    dir = makeConfDir();
    backend = await startWsBackend();
    port = await freePort();
    const file = dir.write(
      's.conf',
      `ServerRoot ${dir.root}\nWorkerProcesses 2\nListen 127.0.0.1:${port}\nServerName localhost\n<Location /server-status>\nSetHandler server-status\nRequire local\n</Location>\nProxyPass /server-status !\nProxyPass / http://127.0.0.1:${backend.port}/\n`,
    );
    primary = spawn(process.execPath, [CLI, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    primary.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 200 && (output.match(/listening on/g) ?? []).length < 2; i++) await sleep(25);
  });

  after(async () => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    await backend?.close();
    dir?.remove();
  });

  test('?auto counts the requests of both workers, and the page lists both', async () => {
    const N = 40;
    for (let i = 0; i < N; i++) assert.equal(await get(port), 200);
    await sleep(2500); // each worker reports every second; the primary passes the table on every second
    const auto = await getText(port, '/server-status?auto');
    const value = (k: string) => Number(auto.split('\n').find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2));
    assert.equal(value('Processes'), 2, auto);
    assert.ok(value('Total Accesses') >= N, `Total Accesses ${value('Total Accesses')} counts both workers' ${N} requests\n${auto}`);
    const page = await getText(port, '/server-status');
    const rows = /<tbody id="tsp-processes">([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '';
    assert.equal((rows.match(/<tr>/g) ?? []).length, 2, rows);
    assert.match(rows, /\(this page\)/);
  });
});
