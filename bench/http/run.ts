// `npm run bench:http`: the HTTP benchmark of issue #3, every target side by side in one run.
//
// Targets: the backend itself ("direct", no proxy), tsproxyd, tsproxyd through a 4-member balancer (issue #6's
// "at most 5% slower than a single ProxyPass", same run), node-http-proxy (npm http-proxy, bench/http/
// node-http-proxy.ts) and, where installed, apache2 (mod_proxy_http), nginx (proxy_pass, upstream keepalive) and
// haproxy (mode http): equivalent configurations generated into a temp dir by bench/http/configs.ts. All listen on
// 127.0.0.1 and forward to one backend, a Node.js http server (bench/http/backend.ts), started once for the run.
//
// Scenarios (wrk; the 1 MiB upload is wrk with a generated Lua script that sets the method and body):
//   small-ka     small GETs (13-byte body) over keep-alive     wrk -t2 -c50
//   get-1m       1 MiB responses                               wrk -t2 -c10
//   post-1m      1 MiB uploads (POST, the backend reads all)   wrk -t2 -c10 -s post-1MiB.lua
//   small-close  a connection per request (small GETs)         wrk -t2 -c50 -H 'Connection: close'
// Each scenario runs every target in turn: an unmeasured warm-up (BENCH_WARMUP s) and then the measured run
// (BENCH_DURATION s). For each run: requests/s (or MiB/s of payload), wrk's latency p50/p99, and the CPU time of the
// target's own process tree (utime+stime from /proc/<pid>/stat, children included) read just before and after the
// measured run, divided by the requests wrk completed. On a shared 2-core machine, where wrk, the proxy and the
// backend compete for the cores, that CPU time per request is the steadiest figure; requests/s moves with the
// scheduler. The backend's CPU share is printed too, to show whether it was the bottleneck.
//
// Environment: BENCH_DURATION (5 s), BENCH_WARMUP (1 s), BENCH_INSTALL=1 (apt-get install the missing wrk, nginx,
// haproxy, apache2 first; otherwise a missing peer is skipped with a loud line), BENCH_TARGETS / BENCH_SCENARIOS
// (comma-separated subsets), BENCH_PROF (auto: profile tsproxyd under the small-GET load when a target is missed;
// 1: always; 0: never), BENCH_KEEP=1 (keep the temp dir, configs, logs and profile), BENCH_STRICT=1 (exit 1 when a
// target is missed), APACHE_BIN, NGINX_BIN, HAPROXY_BIN, WRK_BIN.
// Results: printed; written to bench/results/http.json and test/bench/http-latest.md (and, when profiled,
// bench/results/http-tsproxyd-small-ka.cpuprofile).
//
// Why a Node.js backend and not nginx serving static files (measured on the 2-core machine, wrk -t2, direct):
// small GETs 82k req/s at 12 µs CPU/request (nginx: 147k at 5 µs); 1 MiB GETs 4.0 GiB/s at 240 µs/MiB (nginx with
// sendfile: 2.0 GiB/s at 435 µs/MiB); and it reads a POST body before answering, which nginx's static handler does
// not (it answers first and discards the body). Behind any proxy it stays far from saturated (see the
// "backend CPU %" column), so it is not what limits a proxy here.
import { type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBalancerConf, writeConfigs, type ConfigFiles, type Ports } from './configs.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { treeCpuSeconds, treeSize } from './procstat.js';
import { freePort, killAllNow, logTail, runMain, sleep, start, stop } from './procs.js';
import { fmtInt, fmtRatio, mark, mdTable, r1, r3, textTable, writeResults, type Goal } from './report.js';
import { aptInstall, envList, envNum, findPeers, findTool, loud, missingPeerPackages, peerVersions, reportMissingPeers, type Peers } from './tools.js';
import { runWrk, wrkVersion, type WrkResult } from './wrk.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench/http
const REPO = resolve(HERE, '..', '..', '..');
const CLI = resolve(HERE, '..', '..', 'src', 'cli', 'main.js');
const BACKEND_JS = join(HERE, 'backend.js');
const NHP_JS = join(HERE, 'node-http-proxy.js');
const RESULTS_JSON = join(REPO, 'bench', 'results', 'http.json');
const LATEST_MD = join(REPO, 'test', 'bench', 'http-latest.md');
const PROFILE_COPY = join(REPO, 'bench', 'results', 'http-tsproxyd-small-ka.cpuprofile');

// Issue #3's targets for tsproxyd, and its reference figures for this machine kind.
const TARGET_CPU_US = 60;
const REFERENCE = 'node-http-proxy 5.2k req/s at 200 µs CPU/request, apache2 20k at 71 µs, nginx 34k at 22 µs, a bare Node TCP pipe 23 µs';

const MiB = 1 << 20;
const SMALL_BODY = 'hello, world\n';

const DURATION = Math.round(envNum('BENCH_DURATION', 5, 1));
const WARMUP = Math.round(envNum('BENCH_WARMUP', 1, 0));
const PROF = (process.env.BENCH_PROF ?? 'auto').toLowerCase();
const KEEP = process.env.BENCH_KEEP === '1';

const say = (s: string) => process.stdout.write(s + '\n');
const note = (s: string) => process.stderr.write(`bench:http: ${s}\n`);

// --- tools --------------------------------------------------------------------------------------------------------

interface Tools extends Peers {
  wrk?: string;
}

function findTools(): Tools {
  return { wrk: findTool('WRK_BIN', ['wrk']), ...findPeers() };
}

// --- processes ----------------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: Buffer;
}

function request(port: number, method: string, path: string, body?: Buffer): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'Content-Length': String(body.length) } : {} }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks) }));
      r.on('error', rej);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end(body);
  });
}

/** Waits until GET /small through the port answers the backend's body, or the process exits, or 15 s pass. */
async function waitReady(child: ChildProcess, port: number): Promise<string | undefined> {
  const until = Date.now() + 15_000;
  let last = '';
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) return `exited ${child.exitCode ?? child.signalCode} before answering`;
    try {
      const r = await request(port, 'GET', '/small');
      if (r.status === 200 && r.body.toString() === SMALL_BODY) return undefined;
      last = `GET /small answered ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  return `not ready after 15 s (${last})`;
}

/** The three request kinds, once each, before any load: a target that fails them is not measured. */
async function sanity(port: number): Promise<string | undefined> {
  try {
    const big = await request(port, 'GET', '/1m');
    if (big.status !== 200 || big.body.length !== MiB) return `GET /1m: ${big.status}, ${big.body.length} bytes`;
    const up = await request(port, 'POST', '/upload', Buffer.alloc(MiB, 'x'));
    if (up.status !== 200 || up.body.toString() !== `${MiB}\n`) return `POST /upload: ${up.status} '${up.body.toString().slice(0, 60).trim()}'`;
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

// --- targets and scenarios ----------------------------------------------------------------------------------------

type TargetName = 'direct' | 'tsproxyd' | 'tsproxyd-balancer' | 'node-http-proxy' | 'apache2' | 'nginx' | 'haproxy';
const ORDER: readonly TargetName[] = ['direct', 'tsproxyd', 'tsproxyd-balancer', 'node-http-proxy', 'apache2', 'nginx', 'haproxy'];
const PEERS: readonly TargetName[] = ['node-http-proxy', 'apache2', 'nginx', 'haproxy'];

interface Target {
  readonly name: TargetName;
  readonly port: number;
  readonly describe: string;
  child?: ChildProcess;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly path: string;
  readonly connections: number;
  readonly headers?: readonly string[];
  readonly postBytes?: number;
  /** bytes of payload per request, for MiB/s; undefined: report req/s */
  readonly payload?: number;
}

const THREADS = 2;
const SCENARIOS: readonly Scenario[] = [
  { id: 'small-ka', title: 'small GETs, keep-alive', path: '/small', connections: 50 },
  { id: 'get-1m', title: '1 MiB GET responses', path: '/1m', connections: 10, payload: MiB },
  { id: 'post-1m', title: '1 MiB POST uploads', path: '/upload', connections: 10, postBytes: MiB, payload: MiB },
  { id: 'small-close', title: 'small GETs, connection per request', path: '/small', connections: 50, headers: ['Connection: close'] },
];

function wrkCommand(s: Scenario, seconds: number): string {
  return `wrk -t${THREADS} -c${s.connections} -d${seconds}s${(s.headers ?? []).map((h) => ` -H '${h}'`).join('')}${s.postBytes ? ' -s post-1MiB.lua' : ''} http://127.0.0.1:PORT${s.path}`;
}

interface Measurement {
  readonly scenario: string;
  readonly target: TargetName;
  readonly ok: boolean;
  readonly error?: string;
  readonly requests?: number;
  readonly seconds?: number;
  readonly rps?: number;
  readonly mibps?: number;
  readonly latencyMs?: { p50: number; p90: number; p99: number; max: number };
  readonly errors?: WrkResult['errors'];
  /** the target's own process tree; for "direct" this is the backend */
  readonly cpuUsPerReq?: number;
  readonly cpuUtilPct?: number;
  readonly backendCpuUsPerReq?: number;
  readonly backendCpuUtilPct?: number;
  readonly processes?: number;
}

function measure(wrk: string, s: Scenario, t: Target, backendPid: number, scratch: string): Measurement {
  const url = `http://127.0.0.1:${t.port}${s.path}`;
  const base = { url, threads: THREADS, connections: s.connections, ...(s.headers ? { headers: s.headers } : {}), ...(s.postBytes ? { postBytes: s.postBytes } : {}) };
  if (WARMUP > 0) runWrk(wrk, { ...base, seconds: WARMUP }, scratch);
  const pid = t.name === 'direct' ? backendPid : t.child!.pid!;
  const c0 = treeCpuSeconds(pid);
  const b0 = treeCpuSeconds(backendPid);
  const t0 = process.hrtime.bigint();
  const run = runWrk(wrk, { ...base, seconds: DURATION }, scratch);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = treeCpuSeconds(pid);
  const b1 = treeCpuSeconds(backendPid);
  const processes = treeSize(pid);
  const res = run.result;
  if (!res) return { scenario: s.id, target: t.name, ok: false, error: run.error ?? 'no result' };
  const seconds = res.durationUs / 1e6;
  const errs = res.errors.connect + res.errors.read + res.errors.write + res.errors.status + res.errors.timeout;
  // Non-2xx/3xx answers are counted as requests by wrk (they would inflate req/s): at most 0.1%. Socket errors (a
  // keep-alive connection the server closed, apache2's event MPM does under load) are not: at most 1%.
  const ok = res.requests > 0 && res.errors.status <= res.requests * 0.001 && errs - res.errors.status <= res.requests * 0.01;
  const perReq = (cpu: number) => (res.requests > 0 && Number.isFinite(cpu) ? r1((cpu * 1e6) / res.requests) : undefined);
  const cpu = perReq(c1 - c0);
  const bcpu = perReq(b1 - b0);
  return {
    scenario: s.id,
    target: t.name,
    ok,
    ...(ok ? {} : { error: `${errs} wrk errors in ${res.requests} requests (${JSON.stringify(res.errors)})` }),
    requests: res.requests,
    seconds: r3(seconds),
    rps: Math.round(res.requests / seconds),
    ...(s.payload ? { mibps: r1((res.requests * s.payload) / MiB / seconds) } : {}),
    latencyMs: { p50: r3(res.latencyUs.p50 / 1000), p90: r3(res.latencyUs.p90 / 1000), p99: r3(res.latencyUs.p99 / 1000), max: r3(res.latencyUs.max / 1000) },
    errors: res.errors,
    ...(t.name === 'direct' ? {} : cpu !== undefined ? { cpuUsPerReq: cpu, cpuUtilPct: Math.round(((c1 - c0) / wall) * 100) } : {}),
    ...(bcpu !== undefined ? { backendCpuUsPerReq: bcpu, backendCpuUtilPct: Math.round(((b1 - b0) / wall) * 100) } : {}),
    processes,
  };
}

// --- reporting ----------------------------------------------------------------------------------------------------

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}
function throughput(m: Measurement): number | undefined {
  return m.mibps ?? m.rps;
}

function tableRows(s: Scenario, ms: readonly Measurement[]): string[][] {
  const header = ['target', s.payload ? 'MiB/s' : 'req/s', 'p50', 'p99', s.payload ? 'CPU µs/MiB' : 'CPU µs/req', 'CPU %', 'backend CPU %', 'procs', 'wrk errors'];
  const rows = [header];
  for (const m of ms) {
    if (!m.ok && m.requests === undefined) {
      rows.push([m.target, 'FAILED', '', '', '', '', '', '', m.error ?? '']);
      continue;
    }
    const errs = m.errors ? m.errors.connect + m.errors.read + m.errors.write + m.errors.status + m.errors.timeout : 0;
    rows.push([
      m.target,
      s.payload ? (m.mibps ?? 0).toFixed(0) : fmtInt(m.rps ?? 0),
      fmtMs(m.latencyMs?.p50),
      fmtMs(m.latencyMs?.p99),
      m.target === 'direct' ? `(${m.backendCpuUsPerReq ?? '—'} backend)` : m.cpuUsPerReq !== undefined ? m.cpuUsPerReq.toFixed(1) : '—',
      m.cpuUtilPct !== undefined ? `${m.cpuUtilPct}%` : '—',
      m.backendCpuUtilPct !== undefined ? `${m.backendCpuUtilPct}%` : '—',
      String(m.processes ?? ''),
      errs ? `${errs}${m.ok ? '' : ' INVALID'}` : '0',
    ]);
  }
  return rows;
}

interface Ratio {
  readonly scenario: string;
  readonly peer: TargetName;
  /** tsproxyd's throughput / the peer's: above 1, tsproxyd is faster */
  readonly throughput?: number;
  /** tsproxyd's CPU per request / the peer's: below 1, tsproxyd is cheaper */
  readonly cpu?: number;
}

function ratios(all: readonly Measurement[]): Ratio[] {
  const out: Ratio[] = [];
  for (const s of SCENARIOS) {
    const ts = all.find((m) => m.scenario === s.id && m.target === 'tsproxyd' && m.ok);
    if (!ts) continue;
    for (const peer of ['direct', ...PEERS] as TargetName[]) {
      const p = all.find((m) => m.scenario === s.id && m.target === peer && m.ok);
      if (!p) continue;
      const tt = throughput(ts);
      const pt = throughput(p);
      out.push({
        scenario: s.id,
        peer,
        ...(tt !== undefined && pt ? { throughput: r3(tt / pt) } : {}),
        ...(ts.cpuUsPerReq !== undefined && p.cpuUsPerReq ? { cpu: r3(ts.cpuUsPerReq / p.cpuUsPerReq) } : {}),
      });
    }
  }
  return out;
}

function ratioRows(rs: readonly Ratio[], scenarios: readonly Scenario[]): string[][] {
  const peers = (['direct', ...PEERS] as TargetName[]).filter((p) => rs.some((r) => r.peer === p));
  const rows = [['tsproxyd vs', ...scenarios.flatMap((s) => [`${s.id} speed`, `${s.id} CPU`])]];
  for (const p of peers) {
    rows.push([p, ...scenarios.flatMap((s) => {
      const r = rs.find((x) => x.scenario === s.id && x.peer === p);
      return [fmtRatio(r?.throughput), p === 'direct' ? '—' : fmtRatio(r?.cpu)];
    })]);
  }
  return rows;
}

function goals(all: readonly Measurement[]): Goal[] {
  const get = (s: string, t: TargetName) => all.find((m) => m.scenario === s && m.target === t && m.ok);
  const out: Goal[] = [];
  const ts = get('small-ka', 'tsproxyd');
  out.push(
    ts?.cpuUsPerReq !== undefined
      ? { goal: `small keep-alive GETs: at most ${TARGET_CPU_US} µs CPU per request`, met: ts.cpuUsPerReq <= TARGET_CPU_US, detail: `${ts.cpuUsPerReq.toFixed(1)} µs` }
      : { goal: `small keep-alive GETs: at most ${TARGET_CPU_US} µs CPU per request`, met: null, detail: 'tsproxyd not measured' },
  );
  const vsApache = (id: string, label: string, unit: 'req/s' | 'MiB/s') => {
    const t = get(id, 'tsproxyd');
    const a = get(id, 'apache2');
    const goal = `${label}: at least apache2's ${unit} (same run)`;
    if (!t) return out.push({ goal, met: null, detail: 'tsproxyd not measured' });
    if (!a) return out.push({ goal, met: null, detail: 'apache2 not measured in this run' });
    const tv = unit === 'req/s' ? t.rps! : t.mibps!;
    const av = unit === 'req/s' ? a.rps! : a.mibps!;
    const f = (v: number) => (unit === 'req/s' ? fmtInt(v) : v.toFixed(0));
    return out.push({ goal, met: tv >= av, detail: `${f(tv)} vs ${f(av)} ${unit} (${fmtRatio(tv / av)})` });
  };
  // Issue #6: a 4-member balancer at most 5% slower than a single ProxyPass, in the same run.
  const single = get('small-ka', 'tsproxyd');
  const balanced = get('small-ka', 'tsproxyd-balancer');
  const bgoal = 'small keep-alive GETs through a 4-member balancer: at most 5% slower than a single ProxyPass (same run)';
  if (!single || !balanced) out.push({ goal: bgoal, met: null, detail: 'tsproxyd or tsproxyd-balancer not measured' });
  else {
    const cpu = single.cpuUsPerReq !== undefined && balanced.cpuUsPerReq !== undefined ? `; CPU ${balanced.cpuUsPerReq.toFixed(1)} vs ${single.cpuUsPerReq.toFixed(1)} µs/req` : '';
    out.push({ goal: bgoal, met: balanced.rps! >= single.rps! * 0.95, detail: `${fmtInt(balanced.rps!)} vs ${fmtInt(single.rps!)} req/s (${fmtRatio(balanced.rps! / single.rps!)})${cpu}` });
  }
  vsApache('small-ka', 'small keep-alive GETs', 'req/s');
  vsApache('get-1m', '1 MiB GETs', 'MiB/s');
  vsApache('post-1m', '1 MiB POSTs', 'MiB/s');
  return out;
}

/** What one of tsproxyd's processes can do: each worker is one JS thread, so per core its req/s cannot pass 1 s / its CPU per request. */
function singleProcessNote(all: readonly Measurement[]): string | undefined {
  const ts = all.find((m) => m.scenario === 'small-ka' && m.target === 'tsproxyd' && m.ok);
  if (ts?.cpuUsPerReq === undefined) return undefined;
  const ap = all.find((m) => m.scenario === 'small-ka' && m.target === 'apache2' && m.ok);
  return (
    `tsproxyd ran ${ts.processes ?? '?'} processes (a worker per core and the primary): at ${ts.cpuUsPerReq.toFixed(1)} µs/request one worker's ceiling is ~${fmtInt(1e6 / ts.cpuUsPerReq)} req/s on one core (all of them used ${ts.cpuUtilPct}% here)` +
    (ap?.rps ? `; apache2's ${fmtInt(ap.rps)} req/s on one core would need <= ${(1e6 / ap.rps).toFixed(0)} µs/request` : '')
  );
}

// --- profile ------------------------------------------------------------------------------------------------------

async function profileTsproxyd(wrk: string, conf: string, port: number, scratch: string): Promise<{ summary?: ProfileSummary; file?: string; error?: string }> {
  const dir = join(scratch, 'prof');
  mkdirSync(dir, { recursive: true });
  // One process (-X), so that the profile holds the request path: node --cpu-prof dist/src/cli/main.js -X -f CONF.
  const child = start('tsproxyd-prof', process.execPath, ['--cpu-prof', CLI, '-X', '-f', conf], scratch, dir);
  const notReady = await waitReady(child, port);
  if (notReady) {
    await stop(child, 'SIGKILL');
    return { error: `tsproxyd --cpu-prof ${notReady}` };
  }
  const s = SCENARIOS[0]!;
  const base = { url: `http://127.0.0.1:${port}${s.path}`, threads: THREADS, connections: s.connections };
  if (WARMUP > 0) runWrk(wrk, { ...base, seconds: WARMUP }, scratch);
  const run = runWrk(wrk, { ...base, seconds: DURATION }, scratch);
  await stop(child, 'SIGINT');
  const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
  if (!f) return { error: 'no .cpuprofile written' };
  const summary = summarizeProfile(join(dir, f), REPO);
  return { summary, file: join(dir, f), ...(run.result ? {} : { error: `wrk: ${run.error}` }) };
}

// --- main ---------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  for (const f of [CLI, BACKEND_JS, NHP_JS]) {
    if (!existsSync(f)) {
      process.stderr.write(`bench:http: ${f} is missing; build first (npm run bench:http does)\n`);
      return 1;
    }
  }
  let tools = findTools();
  if (process.env.BENCH_INSTALL === '1') {
    aptInstall([...(tools.wrk ? [] : ['wrk']), ...missingPeerPackages(tools)], 'bench:http');
    tools = findTools();
  }
  if (!tools.wrk) {
    loud('wrk NOT FOUND: nothing can be measured. Run with BENCH_INSTALL=1 (apt-get install -y wrk nginx haproxy) or install wrk.');
    return 1;
  }
  const wrk = tools.wrk;
  const only = envList('BENCH_TARGETS');
  const onlyScen = envList('BENCH_SCENARIOS');
  const wanted = (n: string) => only.length === 0 || only.includes(n) || n === 'tsproxyd';
  const scenarios = SCENARIOS.filter((s) => onlyScen.length === 0 || onlyScen.includes(s.id));
  const skipped = reportMissingPeers(tools, wanted);

  const scratch = mkdtempSync(join(tmpdir(), 'tsproxyd-http-bench-'));
  try {
    const ports: Ports = {
      backend: await freePort(),
      tsproxyd: await freePort(),
      nodeHttpProxy: await freePort(),
      apache2: await freePort(),
      nginx: await freePort(),
      haproxy: await freePort(),
    };
    const conf: ConfigFiles = writeConfigs(join(scratch, 'conf'), ports);
    const balancerPort = await freePort();
    const balancerConf = writeBalancerConf(conf.dir, balancerPort, ports.backend);
    const versions = {
      node: process.version,
      wrk: wrkVersion(wrk),
      ...peerVersions(tools),
      httpProxy: (JSON.parse(readFileSync(join(REPO, 'node_modules', 'http-proxy', 'package.json'), 'utf8')) as { version: string }).version,
    };

    const backend = start('backend', process.execPath, [BACKEND_JS, String(ports.backend)], scratch);
    const bErr = await waitReady(backend, ports.backend);
    if (bErr) {
      loud(`the backend ${bErr}; see ${join(scratch, 'backend.log')}`);
      return 1;
    }

    const specs: { name: TargetName; port: number; cmd?: string; args?: string[]; describe: string }[] = [
      { name: 'direct', port: ports.backend, describe: 'the backend itself, no proxy' },
      { name: 'tsproxyd', port: ports.tsproxyd, cmd: process.execPath, args: [CLI, '-f', conf.tsproxyd], describe: `node dist/src/cli/main.js -f tsproxyd.conf` },
      { name: 'tsproxyd-balancer', port: balancerPort, cmd: process.execPath, args: [CLI, '-f', balancerConf], describe: 'the same, through balancer://bench: 4 members (byrequests), all on the backend' },
      { name: 'node-http-proxy', port: ports.nodeHttpProxy, cmd: process.execPath, args: [NHP_JS, String(ports.nodeHttpProxy), `http://127.0.0.1:${ports.backend}`], describe: `http-proxy ${versions.httpProxy}, keep-alive Agent` },
      ...(tools.apache2 ? [{ name: 'apache2' as const, port: ports.apache2, cmd: tools.apache2, args: ['-f', conf.apache2, '-DFOREGROUND'], describe: `${versions.apache2 ?? 'apache2'} mpm_event + mod_proxy_http` }] : []),
      ...(tools.nginx ? [{ name: 'nginx' as const, port: ports.nginx, cmd: tools.nginx, args: ['-p', conf.dir, '-e', conf.nginxErrorLog, '-c', conf.nginx], describe: `${versions.nginx ?? 'nginx'} proxy_pass + upstream keepalive` }] : []),
      ...(tools.haproxy ? [{ name: 'haproxy' as const, port: ports.haproxy, cmd: tools.haproxy, args: ['-db', '-f', conf.haproxy], describe: `${versions.haproxy ?? 'haproxy'} mode http` }] : []),
    ];
    const targets: Target[] = [];
    for (const spec of specs.filter((s) => wanted(s.name))) {
      const t: Target = { name: spec.name, port: spec.port, describe: spec.describe };
      if (spec.cmd) {
        t.child = start(spec.name, spec.cmd, spec.args!, scratch);
        const err = await waitReady(t.child, spec.port);
        if (err) {
          const log = logTail(scratch, spec.name);
          loud(`${spec.name} ${err}: skipping it (${log})`);
          skipped.push({ target: spec.name, reason: `${err}: ${log}` });
          await stop(t.child);
          continue;
        }
      }
      const bad = await sanity(spec.port);
      if (bad) {
        loud(`${spec.name} fails the sanity requests (${bad}): skipping it`);
        skipped.push({ target: spec.name, reason: `sanity: ${bad}` });
        if (t.child) await stop(t.child);
        continue;
      }
      targets.push(t);
    }
    if (!targets.some((t) => t.name === 'tsproxyd')) {
      loud('tsproxyd could not be started: nothing to compare');
    }

    say(
      `HTTP benchmark: ${targets.map((t) => t.name).join(', ')}\n` +
        `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB; node ${process.version}; ${versions.wrk}` +
        `${versions.apache2 ? `; ${versions.apache2}` : ''}${versions.nginx ? `; ${versions.nginx}` : ''}${versions.haproxy ? `; ${versions.haproxy}` : ''}\n` +
        `backend: Node.js http server (bench/http/backend.ts), one process on 127.0.0.1:${ports.backend}\n` +
        `each run: ${WARMUP} s warm-up, then ${DURATION} s measured; CPU = the target's process tree (utime+stime, /proc) over the measured run / requests\n`,
    );

    const all: Measurement[] = [];
    for (const s of scenarios) {
      say(`== ${s.id}: ${s.title} (${wrkCommand(s, DURATION)})`);
      const ms: Measurement[] = [];
      for (const t of targets) {
        process.stderr.write(`   ${t.name} ...`);
        const m = measure(wrk, s, t, backend.pid!, scratch);
        process.stderr.write(m.ok ? ` ${s.payload ? `${m.mibps} MiB/s` : `${fmtInt(m.rps!)} req/s`}, ${m.cpuUsPerReq ?? m.backendCpuUsPerReq} µs CPU/req\n` : ` FAILED: ${m.error}\n`);
        ms.push(m);
        all.push(m);
      }
      say(textTable(tableRows(s, ms)) + '\n');
    }

    for (const t of targets) if (t.child) await stop(t.child);

    const rs = ratios(all);
    const rr = ratioRows(rs, scenarios);
    say('tsproxyd vs each target (speed = tsproxyd throughput / theirs, above 1 is faster; CPU = tsproxyd CPU per request / theirs, below 1 is cheaper):');
    say(textTable(rr) + '\n');
    const gs = goals(all);
    say('issue #3 targets for tsproxyd:');
    for (const g of gs) say(`  ${mark(g)}  ${g.goal}: ${g.detail}`);
    const ceiling = singleProcessNote(all);
    if (ceiling) say(`  ${ceiling}`);
    say(`  (issue's reference figures on this machine kind: ${REFERENCE})`);
    const missed = gs.some((g) => g.met === false);

    let prof: Awaited<ReturnType<typeof profileTsproxyd>> | undefined;
    if (targets.some((t) => t.name === 'tsproxyd') && (PROF === '1' || (PROF === 'auto' && missed))) {
      note(`profiling tsproxyd under the small-GET load (node --cpu-prof, ${WARMUP} s warm-up + ${DURATION} s)${PROF === 'auto' ? ' because a target was missed' : ''}`);
      const pport = await freePort();
      const pconf = join(conf.dir, 'tsproxyd-prof.conf');
      writeFileSync(pconf, `Listen 127.0.0.1:${pport}\nInclude ${conf.common}\n`);
      prof = await profileTsproxyd(wrk, pconf, pport, scratch);
      if (prof.summary) {
        const p = prof.summary;
        say(`\nCPU profile of tsproxyd under small keep-alive GETs (${p.busyMs} ms busy of ${p.sampledMs} ms sampled; % of busy time):`);
        say('  hottest functions, self time:');
        for (const e of p.self.slice(0, 15)) say(`    ${e.pct.toFixed(1).padStart(5)}%  ${e.fn}  ${e.at}${e.via ? `  <- ${e.via}` : ''}`);
        say("  tsproxyd's own functions, callees included:");
        for (const e of p.inclusive.slice(0, 10)) say(`    ${e.pct.toFixed(1).padStart(5)}%  ${e.fn}  ${e.at}`);
        say('  self time by area:');
        for (const e of p.areas) say(`    ${e.pct.toFixed(1).padStart(5)}%  ${e.fn}`);
      }
      if (prof.error) note(`profile: ${prof.error}`);
    }
    await stop(backend);

    const date = new Date().toISOString();
    const json = {
      benchmark: 'http',
      date,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version },
      versions,
      method:
        `wrk -t${THREADS}, ${WARMUP} s unmeasured warm-up then ${DURATION} s measured per target and scenario, targets in turn within a scenario; ` +
        'CPU = utime+stime (+cutime+cstime) of the target process tree from /proc/<pid>/stat over the measured run, divided by the requests wrk completed; ' +
        'MiB/s = completed requests x 1 MiB payload / duration; latency percentiles from wrk (done() in a generated Lua script); ' +
        '1 MiB POST via wrk with a Lua script setting wrk.method and wrk.body',
      backend: 'Node.js http server (bench/http/backend.ts), one process; /small 13 bytes, /1m 1 MiB, POST /upload reads the body and answers its length',
      targets: targets.map((t) => ({ name: t.name, describe: t.describe })),
      skipped,
      scenarios: scenarios.map((s) => ({ id: s.id, title: s.title, wrk: wrkCommand(s, DURATION) })),
      results: all,
      ratios: rs,
      goals: gs,
      reference: REFERENCE,
      ...(prof?.summary ? { profile: { command: 'node --cpu-prof dist/src/cli/main.js -X -f tsproxyd.conf, small keep-alive GET load, stopped with SIGINT', ...prof.summary } } : {}),
    };

    const md: string[] = [
      '# HTTP benchmark: latest run',
      '',
      `Written by \`npm run bench:http\` (bench/http/run.ts) on ${date}. Machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; node ${process.version}; ` +
        `${[versions.wrk, versions.apache2, versions.nginx, versions.haproxy, `http-proxy ${versions.httpProxy}`].filter(Boolean).join(', ')}.`,
      '',
      `Every target on 127.0.0.1 in front of the same backend (a Node.js http server, bench/http/backend.ts). wrk -t${THREADS}; per target and scenario ` +
        `${WARMUP} s warm-up, then ${DURATION} s measured. CPU = the target's own process tree (utime+stime from /proc, children included) over the measured run, ` +
        `per request (per MiB for the 1 MiB scenarios): the steadiest figure on a 2-core machine shared by wrk, proxy and backend. ` +
        `For "direct" the CPU column is the backend's own. "backend CPU %" shows whether the backend could have been the bottleneck (100% = one core); ` +
        `"procs" is the number of processes in the target's tree.`,
      '',
      ...(skipped.length ? [`**Skipped:** ${skipped.map((s) => `${s.target} (${s.reason})`).join('; ')}`, ''] : []),
    ];
    for (const s of scenarios) {
      md.push(`## ${s.id}: ${s.title}`, '', `\`${wrkCommand(s, DURATION)}\``, '', mdTable(tableRows(s, all.filter((m) => m.scenario === s.id))), '');
    }
    md.push('## tsproxyd vs each target', '', 'speed = tsproxyd throughput / theirs (above 1: tsproxyd faster); CPU = tsproxyd CPU per request / theirs (below 1: tsproxyd cheaper).', '', mdTable(rr), '');
    md.push('## Issue #3 targets', '', ...gs.map((g) => `* **${mark(g).trim()}** ${g.goal}: ${g.detail}`), '', ...(ceiling ? [`${ceiling}.`, ''] : []), `Reference figures from the issue, same machine kind: ${REFERENCE}.`, '');
    if (prof?.summary) {
      const p = prof.summary;
      md.push(
        '## Profile: tsproxyd under small keep-alive GETs',
        '',
        `\`node --cpu-prof dist/src/cli/main.js -X -f tsproxyd.conf\` under \`${wrkCommand(SCENARIOS[0]!, DURATION)}\` (after ${WARMUP} s warm-up, both in the profile), stopped with SIGINT; ` +
          `${p.busyMs} ms busy of ${p.sampledMs} ms sampled. Percentages are of busy (non-idle) time. The profile itself: bench/results/${PROFILE_COPY.split('/').pop()} (Chrome DevTools, Performance tab).`,
        '',
        'V8 samples the JS thread: `writev` and `writeLatin1String` are the socket write system calls (to the client and to the backend) with the kernel\'s loopback TCP work inside them, ' +
          'a cost every proxy pays per write; what tsproxyd can change is how much JS runs around them and how many writes it makes per request.',
        '',
        '| self % | function | where | reached from (nearest tsproxyd frame, share of this row) |',
        '|---:|---|---|---|',
        ...p.self.slice(0, 15).map((e) => `| ${e.pct.toFixed(1)} | \`${e.fn}\` | ${e.at} | ${e.via ?? ''} |`),
        '',
        "tsproxyd's own functions, callees included:",
        '',
        '| incl. % | function | where |',
        '|---:|---|---|',
        ...p.inclusive.slice(0, 10).map((e) => `| ${e.pct.toFixed(1)} | \`${e.fn}\` | ${e.at} |`),
        '',
        'Self time by area:',
        '',
        '| % | area |',
        '|---:|---|',
        ...p.areas.map((e) => `| ${e.pct.toFixed(1)} | ${e.fn} |`),
        '',
      );
    }
    writeResults(RESULTS_JSON, json, LATEST_MD, md.join('\n'));
    if (!prof?.file) rmSync(PROFILE_COPY, { force: true }); // never leave an older run's profile beside this run's table
    else {
      copyFileSync(prof.file, PROFILE_COPY);
      chmodSync(PROFILE_COPY, 0o644); // node writes it 0600
      say(`profile: ${relative(process.cwd(), PROFILE_COPY) || PROFILE_COPY}`);
    }
    if (KEEP) say(`kept: ${scratch}`);
    if (all.some((m) => m.target === 'tsproxyd' && !m.ok)) return 1;
    return process.env.BENCH_STRICT === '1' && missed ? 1 : 0;
  } finally {
    killAllNow();
    if (!KEEP) rmSync(scratch, { recursive: true, force: true });
  }
}

runMain('bench:http', main);
