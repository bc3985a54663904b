// `npm run bench:ws`: the WebSocket tunnel benchmark of issue #4, every target side by side in one run.
//
// Targets (bench/ws/targets.ts): the backend itself ("direct"), a bare Node.js TCP pipe (the floor for a Node.js
// byte tunnel), tsproxyd (ProxyPass /ws ws://…), node-http-proxy (ws: true) and, where installed, apache2
// (mod_proxy_http + mod_proxy_wstunnel), nginx (Upgrade/Connection headers) and haproxy (mode http, timeout
// tunnel), configured by bench/ws/configs.ts. All on 127.0.0.1 in front of one backend (bench/ws/backend.ts).
//
// Scenarios (bench/ws/scenarios.ts), each on every target in turn; the backend and every target are started afresh
// for each scenario, so that none carries a heap or worker processes grown by another scenario's load:
//   bulk-1, bulk-4  MiB/s the backend streams through 1 and 4 tunnels; the target's CPU per GiB
//   echo            round trip of a 32-byte message over one tunnel, p50/p99 µs
//   handshake       WebSocket handshakes per second, a connection per handshake; the target's CPU per handshake
//   idle            KiB of memory per idle tunnel with 5,000 open (PSS summed over the target's processes)
// The load runs in this process (bench/ws/load.ts); a real `ws` client checks every target first (probe.ts).
//
// Environment: BENCH_DURATION (5 s measured per bulk/handshake run), BENCH_WARMUP (1 s), BENCH_ECHO_ROUNDS
// (20000), BENCH_HS_CONCURRENCY (50), BENCH_IDLE_TUNNELS (5000), BENCH_TARGETS / BENCH_SCENARIOS (comma-separated
// subsets; tsproxyd is always in), BENCH_INSTALL=1 (apt-get install the missing apache2, nginx, haproxy first;
// otherwise a missing one is skipped with a loud line), BENCH_KEEP=1 (keep the temp dir: configs and logs),
// BENCH_STRICT=1 (exit 1 when a target is missed), APACHE_BIN, NGINX_BIN, HAPROXY_BIN.
// Results: printed; written to bench/results/ws.json and test/bench/ws-latest.md. Exit 1 when tsproxyd could not be
// measured in some scenario (the others are measured all the same).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited, freePort, killAllNow, runMain, start, stop } from '../http/procs.js';
import { textTable, writeResults } from '../http/report.js';
import { aptInstall, envList, envNum, findPeers, loud, missingPeerPackages, peerVersions, reportMissingPeers } from '../http/tools.js';
import { writeWsConfigs } from './configs.js';
import { probe, waitListening } from './probe.js';
import { failures, goalLine, goals, markdown, ratios, REFERENCE, scenarioRows, summaryRows, type Measurement } from './report.js';
import { SCENARIOS, type Settings } from './scenarios.js';
import { startTarget, targetSpecs, type TargetName } from './targets.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench/ws
const REPO = resolve(HERE, '..', '..', '..');
const JS = {
  cli: resolve(HERE, '..', '..', 'src', 'cli', 'main.js'),
  tcpPipe: join(HERE, 'tcp-pipe.js'),
  nodeHttpProxy: join(HERE, 'node-http-proxy.js'),
};
const BACKEND_JS = join(HERE, 'backend.js');
const RESULTS_JSON = join(REPO, 'bench', 'results', 'ws.json');
const LATEST_MD = join(REPO, 'test', 'bench', 'ws-latest.md');

const SETTINGS: Settings = {
  durationS: Math.round(envNum('BENCH_DURATION', 5, 1)),
  warmupS: Math.round(envNum('BENCH_WARMUP', 1, 0)),
  echoRounds: Math.round(envNum('BENCH_ECHO_ROUNDS', 20_000, 100)),
  hsConcurrency: Math.round(envNum('BENCH_HS_CONCURRENCY', 50, 1)),
  idleTunnels: Math.round(envNum('BENCH_IDLE_TUNNELS', 5000, 100)),
};
const KEEP = process.env.BENCH_KEEP === '1';

const say = (s: string) => process.stdout.write(s + '\n');
const progress = (s: string) => process.stderr.write(s);

/** This process holds every idle tunnel's client socket: it needs that many descriptors and some. */
function checkFdLimit(): void {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const limit = Number((r.stdout ?? '').trim());
  if (Number.isFinite(limit) && limit < SETTINGS.idleTunnels * 2 + 256) {
    loud(`ulimit -n is ${limit}: ${SETTINGS.idleTunnels} idle tunnels need ~${SETTINGS.idleTunnels * 2 + 256} descriptors in a proxy; raise it (ulimit -n 20000) or lower BENCH_IDLE_TUNNELS`);
  }
}

/** The backend, started afresh for each scenario like the targets; what went wrong if it does not serve. */
async function startBackend(port: number, scratch: string): Promise<ChildProcess | string> {
  const backend = start('backend', process.execPath, [BACKEND_JS, String(port)], scratch);
  const bad = (await waitListening(port, 15_000, () => !exited(backend))) ? await probe(port) : 'not listening after 15 s';
  if (!bad) return backend;
  await stop(backend);
  return bad;
}

async function main(): Promise<number> {
  for (const f of [JS.cli, JS.tcpPipe, JS.nodeHttpProxy, BACKEND_JS]) {
    if (!existsSync(f)) {
      process.stderr.write(`bench:ws: ${f} is missing; build first (npm run bench:ws does)\n`);
      return 1;
    }
  }
  let peers = findPeers();
  if (process.env.BENCH_INSTALL === '1') {
    aptInstall(missingPeerPackages(peers), 'bench:ws');
    peers = findPeers();
  }
  const only = envList('BENCH_TARGETS');
  const onlyScen = envList('BENCH_SCENARIOS');
  const wanted = (n: string) => only.length === 0 || only.includes(n) || n === 'tsproxyd';
  const scenarios = SCENARIOS.filter((s) => onlyScen.length === 0 || onlyScen.includes(s.id));
  const skipped = reportMissingPeers(peers, wanted);
  if (scenarios.some((s) => s.id === 'idle')) checkFdLimit();

  const scratch = mkdtempSync(join(tmpdir(), 'tsproxyd-ws-bench-'));
  try {
    const ports = {
      backend: await freePort(),
      tcpPipe: await freePort(),
      tsproxyd: await freePort(),
      nodeHttpProxy: await freePort(),
      apache2: await freePort(),
      nginx: await freePort(),
      haproxy: await freePort(),
    };
    const conf = writeWsConfigs(join(scratch, 'conf'), ports, SETTINGS.idleTunnels);
    const versions = {
      node: process.version,
      ...peerVersions(peers),
      httpProxy: (JSON.parse(readFileSync(join(REPO, 'node_modules', 'http-proxy', 'package.json'), 'utf8')) as { version: string }).version,
      ws: (JSON.parse(readFileSync(join(REPO, 'node_modules', 'ws', 'package.json'), 'utf8')) as { version: string }).version,
    };

    const oneProcess = { port: await freePort(), conf: join(conf.dir, 'tsproxyd-1proc.conf') };
    writeFileSync(oneProcess.conf, `Listen 127.0.0.1:${oneProcess.port}\nInclude ${conf.common}\n`);
    const specs = targetSpecs({ ports, conf, peers, versions, js: JS, oneProcess }).filter((s) => wanted(s.name));
    const machine = `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB; node ${process.version}`;
    const versionLine = [versions.apache2, versions.nginx, versions.haproxy, `http-proxy ${versions.httpProxy}`, `ws ${versions.ws}`].filter(Boolean).join(', ');
    say(
      `WebSocket tunnel benchmark: ${specs.map((s) => s.name).join(', ')}\nmachine: ${machine}; ${versionLine}\n` +
        `backend: bench/ws/backend.ts on 127.0.0.1:${ports.backend}; load generator: this process, net sockets, hand-made frames\n` +
        `each scenario starts the backend and every target afresh and checks it with a ws client; CPU = the target's process tree (utime+stime, /proc)\n`,
    );

    const all: Measurement[] = [];
    for (const sc of scenarios) {
      say(`== ${sc.id}: ${sc.title} (${sc.better} is better)\n   ${sc.load(SETTINGS)}`);
      const backend = await startBackend(ports.backend, scratch);
      if (typeof backend === 'string') {
        loud(`the backend fails: ${backend}; see ${join(scratch, 'backend.log')}`);
        return 1;
      }
      const started = await Promise.all(specs.map((s) => startTarget(s, scratch)));
      const ms: Measurement[] = [];
      for (const t of started) {
        progress(`   ${t.spec.name} ...`);
        const pid = t.child?.pid ?? backend.pid!;
        const outcome = t.error ? { ok: false, error: t.error } : await sc.run({ port: t.spec.port, pid, backendPid: backend.pid! }, SETTINGS);
        progress(outcome.ok ? ` ${outcome.value} ${sc.unit}\n` : ` FAILED\n`);
        if (!outcome.ok) loud(`${t.spec.name} FAILED in ${sc.id}: ${outcome.error}`);
        const m: Measurement = { scenario: sc.id, target: t.spec.name, ...outcome };
        ms.push(m);
        all.push(m);
      }
      await Promise.all([...started.map((t) => (t.child ? stop(t.child) : undefined)), stop(backend)]);
      say([textTable(scenarioRows(sc, ms)), ...failures(ms)].join('\n') + '\n');
    }

    const gs = goals(all);
    const names = specs.map((s) => s.name);
    say('summary:');
    say(textTable(summaryRows(scenarios, all, names)) + '\n');
    say('issue #4 targets for tsproxyd:');
    for (const g of gs) say(`  ${goalLine(g)}`);
    say(`  (issue's reference figures on this machine kind: ${REFERENCE})`);

    const date = new Date().toISOString();
    const json = {
      benchmark: 'ws',
      date,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version },
      versions,
      settings: SETTINGS,
      method:
        'load generated in the harness process on net sockets with hand-made RFC 6455 frames; every target started afresh per scenario and ' +
        'checked with the ws package first; CPU = utime+stime (+cutime+cstime) of the target process tree from /proc/<pid>/stat over the measured ' +
        'window; memory = Pss (smaps_rollup) and VmRSS summed over the tree, before and 1 s after opening the idle tunnels',
      targets: specs.map((s) => ({ name: s.name, describe: s.describe })),
      skipped,
      scenarios: scenarios.map((s) => ({ id: s.id, title: s.title, unit: s.unit, better: s.better, load: s.load(SETTINGS) })),
      results: all,
      ratios: ratios(all),
      goals: gs,
      reference: REFERENCE,
    };
    writeResults(RESULTS_JSON, json, LATEST_MD, markdown({ date, machine, versions: versionLine, settings: SETTINGS, scenarios, targets: specs, skipped, ms: all, goals: gs }));
    if (KEEP) say(`kept: ${scratch}`);
    if (all.some((m) => m.target === ('tsproxyd' satisfies TargetName) && !m.ok)) return 1;
    return process.env.BENCH_STRICT === '1' && gs.some((g) => g.met === false) ? 1 : 0;
  } finally {
    killAllNow();
    if (!KEEP) rmSync(scratch, { recursive: true, force: true });
  }
}

runMain('bench:ws', main);
