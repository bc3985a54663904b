// The pieces of `npm run bench:ws` at tiny sizes, in this process: the hand-made frames against each other, the
// backend and the bare TCP pipe against a real `ws` client (probe), every scenario's load end to end through the
// pipe, /proc memory parsing, the report's goals, and that every generated proxy configuration is accepted by its
// server (each only where installed). Nothing here asserts a speed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBackend } from '../../bench/ws/backend.js';
import { apacheMpmFor, writeWsConfigs } from '../../bench/ws/configs.js';
import { clientFrame, FrameReader, OP_BINARY, OP_CLOSE, serverFrame } from '../../bench/ws/frames.js';
import { probe } from '../../bench/ws/probe.js';
import { parsePssKiB, parseVmRssKiB, treePssKiB, treeRssKiB } from '../../bench/ws/procmem.js';
import { goals, scenarioRows, type Measurement } from '../../bench/ws/report.js';
import { SCENARIOS, type Settings } from '../../bench/ws/scenarios.js';
import { createTcpPipe } from '../../bench/ws/tcp-pipe.js';
import { configAcceptedTests } from './config-accepted.js';

const dir = mkdtempSync(join(tmpdir(), 'tsproxyd-ws-bench-test-'));
const conf = writeWsConfigs(join(dir, 'conf'), { backend: 39101, tsproxyd: 39102, apache2: 39103, nginx: 39104, haproxy: 39105 }, 5000);

const listen = (s: net.Server) =>
  new Promise<number>((res) =>
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      res(a !== null && typeof a === 'object' ? a.port : 0);
    }),
  );
const backend = createBackend();
let backendPort = 0;
let pipe: net.Server;
let pipePort = 0;
before(async () => {
  backendPort = await listen(backend);
  pipe = createTcpPipe(backendPort);
  pipePort = await listen(pipe);
});
after(() => {
  pipe.close();
  backend.close();
  rmSync(dir, { recursive: true, force: true });
});

test('frames: what one side encodes the other reads, in any chunking, at every length encoding', () => {
  for (const len of [0, 32, 125, 126, 65535, 65536, 200_000]) {
    const payload = Buffer.from(Array.from({ length: len }, (_, i) => (i * 7) & 0xff));
    for (const frame of [clientFrame(OP_BINARY, payload), serverFrame(OP_BINARY, payload)]) {
      const got: [number, Buffer][] = [];
      const reader = new FrameReader((op, p) => got.push([op, p]));
      const bytes = Buffer.concat([frame, serverFrame(OP_CLOSE, Buffer.from([3, 232]))]);
      for (let i = 0; i < bytes.length; i += 1000) reader.push(bytes.subarray(i, i + 1000));
      assert.equal(got.length, 2, `length ${len}`);
      assert.equal(got[0]![0], OP_BINARY);
      assert.ok(got[0]![1].equals(payload), `length ${len}`);
      assert.equal(got[1]![0], OP_CLOSE);
    }
  }
});

test('a real ws client finds the backend and the TCP pipe tunnel correctly; a plain HTTP request gets 400', async () => {
  assert.equal(await probe(backendPort), undefined);
  assert.equal(await probe(pipePort), undefined);
  const r = await fetch(`http://127.0.0.1:${backendPort}/ws/echo`);
  assert.equal(r.status, 400);
});

test('every scenario runs end to end through the TCP pipe at tiny sizes', async () => {
  const s: Settings = { warmupS: 0, durationS: 0.3, echoRounds: 100, hsConcurrency: 4, idleTunnels: 100 };
  for (const sc of SCENARIOS) {
    const out = await sc.run({ port: pipePort, pid: process.pid, backendPid: process.pid }, s);
    assert.equal(out.ok, true, `${sc.id}: ${out.error}`);
    assert.ok(out.value !== undefined && Number.isFinite(out.value), `${sc.id}: ${out.value}`);
    for (const c of sc.columns) assert.ok(out.figures && c.key in out.figures, `${sc.id}: no ${c.key}`);
  }
});

test('a target that does not tunnel fails the scenario with what it did instead', async () => {
  const sc = SCENARIOS.find((x) => x.id === 'echo')!;
  const out = await sc.run({ port: 1, pid: process.pid, backendPid: process.pid }, { warmupS: 0, durationS: 0.1, echoRounds: 100, hsConcurrency: 1, idleTunnels: 100 });
  assert.equal(out.ok, false);
  assert.match(out.error ?? '', /ECONNREFUSED/);
});

test('memory from /proc: VmRSS and Pss parsed, this process counted', () => {
  assert.equal(parseVmRssKiB('Name:\tnode\nVmRSS:\t   51234 kB\nThreads: 7\n'), 51234);
  assert.equal(parseVmRssKiB('Name:\tkthreadd\n'), undefined);
  assert.equal(parsePssKiB('Rss:  100 kB\nPss:  42 kB\nPss_Anon: 1 kB\n'), 42);
  assert.ok(treeRssKiB(process.pid) > 1000);
  assert.ok(treePssKiB(process.pid) > 1000);
  assert.ok(Number.isNaN(treeRssKiB(2 ** 22 + 7)));
});

test('goals: met, missed, or not measured; the report has a row per measurement', () => {
  const m = (scenario: string, target: Measurement['target'], value: number): Measurement => ({ scenario, target, ok: true, value, figures: {} });
  const ms = [m('bulk-1', 'tsproxyd', 1000), m('bulk-1', 'apache2', 900), m('echo', 'tsproxyd', 120), m('echo', 'node-http-proxy', 100), m('idle', 'tsproxyd', 11)];
  const gs = goals(ms);
  const by = (s: string) => gs.find((g) => g.goal.startsWith(s))!;
  assert.equal(by('bulk throughput, one').met, true);
  assert.equal(by('bulk throughput, 4').met, null);
  assert.equal(by('echo').met, false);
  assert.equal(by('memory').met, true);
  const rows = scenarioRows(SCENARIOS[0]!, [...ms.filter((x) => x.scenario === 'bulk-1'), { scenario: 'bulk-1', target: 'nginx', ok: false, error: 'boom' }]);
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.length === rows[0]!.length));
  assert.equal(rows[1]![2], '1.11x');
});

test('apache2 gets worker threads for every idle tunnel', () => {
  const mpm = apacheMpmFor(5000);
  const workers = Number(mpm.find((l) => l.startsWith('MaxRequestWorkers'))!.split(' ')[1]);
  const limit = Number(mpm.find((l) => l.startsWith('ServerLimit'))!.split(' ')[1]);
  assert.ok(workers >= 5000 && workers === limit * 25, mpm.join('; '));
  assert.equal(mpm.filter((l) => l.startsWith('MaxRequestWorkers')).length, 1);
});

configAcceptedTests(conf);
