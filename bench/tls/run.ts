// `npm run bench:tls`: the TLS listener benchmark of issue #7, tsproxyd against apache2 (mod_ssl) and nginx in one
// run, each terminating TLS on 127.0.0.1 in front of the same plain-HTTP backend (bench/http/backend.ts).
//
// One certificate for all three: RSA 2048 signed by a CA made at run time with openssl (test/helpers/tls-certs.ts),
// TLS 1.3 as every side negotiates by default (the cipher each picked is printed). Configurations:
//   tsproxyd, apache2  the same httpd.conf body (SSLEngine on, SSLCertificateFile/KeyFile, ProxyPass), each with its own
//                      Listen; apache2 with Debian's stock mpm_event settings (bench/http/configs.ts)
//   node-https         not a proxy: a bare node:https server answering /small itself (bench/tls/node-https.ts), the
//                      floor of what a TLS handshake and a request cost any Node.js process
//   nginx              listen … ssl, the same files, ssl_protocols TLSv1.2 TLSv1.3 (older nginx defaults stop at 1.2),
//                      upstream keepalive 64 (as bench/http)
// Scenarios (wrk, which speaks TLS through OpenSSL and never resumes a session, so every connection is a full
// handshake):
//   handshake  a new TLS connection per request: wrk -t2 -c32 -H 'Connection: close' https://…/small
//              → requests/s = full handshakes/s (ECDHE + an RSA-2048 signature on the server side)
//   keepalive  small GETs over keep-alive TLS connections: wrk -t2 -c50 https://…/small
// Each target gets an unmeasured warm-up (BENCH_WARMUP s, default 1) and a measured run (BENCH_DURATION s,
// default 5). For each: requests/s, latency p50/p99, and the CPU time of the target's own process tree
// (/proc/<pid>/stat, children included) divided by the requests completed: on a shared 2-core machine, where wrk,
// the proxy and the backend compete for the cores, CPU per request is the steadiest figure.
//
// Environment: BENCH_DURATION, BENCH_WARMUP, BENCH_TARGETS (comma-separated subset of tsproxyd,node-https,apache2,nginx),
// BENCH_KEEP=1 (keep the temp dir), APACHE_BIN, NGINX_BIN, WRK_BIN. A missing peer is skipped with a loud line.
// Results: printed; written to bench/results/tls.json and test/bench/tls-latest.md.
import { type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCerts } from '../../test/helpers/tls-certs.js';
import { apacheConf, DEBIAN_MPM_EVENT, nginxConf } from '../http/configs.js';
import { treeCpuSeconds, treeSize } from '../http/procstat.js';
import { freePort, logTail, runMain, sleep, start, stop } from '../http/procs.js';
import { fmtInt, fmtRatio, mdTable, r1, r3, textTable, writeResults } from '../http/report.js';
import { envList, envNum, findPeers, findTool, loud, peerVersions } from '../http/tools.js';
import { runWrk, wrkVersion } from '../http/wrk.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench/tls
const REPO = resolve(HERE, '..', '..', '..');
const CLI = resolve(HERE, '..', '..', 'src', 'cli', 'main.js');
const BACKEND_JS = resolve(HERE, '..', 'http', 'backend.js');
const NODE_HTTPS_JS = join(HERE, 'node-https.js');
const RESULTS_JSON = join(REPO, 'bench', 'results', 'tls.json');
const LATEST_MD = join(REPO, 'test', 'bench', 'tls-latest.md');

const DURATION = Math.round(envNum('BENCH_DURATION', 5, 1));
const WARMUP = Math.round(envNum('BENCH_WARMUP', 1, 0));
const KEEP = process.env['BENCH_KEEP'] === '1';
const THREADS = 2;
const SMALL_BODY = 'hello, world\n';

const say = (s: string) => process.stdout.write(s + '\n');
const note = (s: string) => process.stderr.write(`bench:tls: ${s}\n`);

type TargetName = 'tsproxyd' | 'node-https' | 'apache2' | 'nginx';
const ORDER: readonly TargetName[] = ['tsproxyd', 'node-https', 'apache2', 'nginx'];

interface Target {
  readonly name: TargetName;
  readonly port: number;
  child?: ChildProcess;
  /** The TLS version and cipher its handshake chose (the readiness probe's). */
  negotiated?: string;
}

interface Scenario {
  readonly id: 'handshake' | 'keepalive';
  readonly title: string;
  readonly connections: number;
  readonly headers?: readonly string[];
}

const SCENARIOS: readonly Scenario[] = [
  { id: 'handshake', title: 'a new TLS connection per request (full handshakes)', connections: 32, headers: ['Connection: close'] },
  { id: 'keepalive', title: 'small GETs over keep-alive TLS connections', connections: 50 },
];

interface Measurement {
  readonly scenario: Scenario['id'];
  readonly target: TargetName;
  readonly ok: boolean;
  readonly error?: string;
  readonly requests?: number;
  readonly rps?: number;
  readonly latencyMs?: { p50: number; p99: number };
  readonly errors?: number;
  readonly cpuUsPerReq?: number;
  readonly cpuUtilPct?: number;
  readonly backendCpuUtilPct?: number;
  readonly processes?: number;
}

/** GET /small over TLS (certificate not verified): the body, and what the handshake chose. */
function probe(port: number): Promise<{ status: number; body: string; negotiated: string }> {
  return new Promise((res, rej) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/small', rejectUnauthorized: false, agent: false, servername: 'bench.test' }, (r) => {
      let body = '';
      const s = r.socket as import('node:tls').TLSSocket;
      const negotiated = `${s.getProtocol() ?? '?'} ${s.getCipher()?.name ?? '?'}`;
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body, negotiated }));
      r.on('error', rej);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

async function waitReady(t: Target): Promise<string | undefined> {
  const until = Date.now() + 15_000;
  let last = '';
  while (Date.now() < until) {
    const c = t.child!;
    if (c.exitCode !== null || c.signalCode !== null) return `exited ${c.exitCode ?? c.signalCode} before answering`;
    try {
      const r = await probe(t.port);
      if (r.status === 200 && r.body === SMALL_BODY) {
        t.negotiated = r.negotiated;
        return undefined;
      }
      last = `GET /small answered ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  return `not ready after 15 s (${last})`;
}

function measure(wrk: string, s: Scenario, t: Target, backendPid: number, scratch: string): Measurement {
  const base = { url: `https://127.0.0.1:${t.port}/small`, threads: THREADS, connections: s.connections, ...(s.headers ? { headers: s.headers } : {}) };
  if (WARMUP > 0) runWrk(wrk, { ...base, seconds: WARMUP }, scratch);
  const pid = t.child!.pid!;
  const c0 = treeCpuSeconds(pid);
  const b0 = treeCpuSeconds(backendPid);
  const t0 = process.hrtime.bigint();
  const run = runWrk(wrk, { ...base, seconds: DURATION }, scratch);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = treeCpuSeconds(pid);
  const b1 = treeCpuSeconds(backendPid);
  const res = run.result;
  if (!res) return { scenario: s.id, target: t.name, ok: false, error: run.error ?? 'no result' };
  const e = res.errors;
  const errors = e.connect + e.read + e.write + e.status + e.timeout;
  // wrk counts non-2xx answers as requests: at most 0.1%; socket errors at most 1%.
  const ok = res.requests > 0 && e.status <= res.requests * 0.001 && errors - e.status <= res.requests * 0.01;
  const seconds = res.durationUs / 1e6;
  return {
    scenario: s.id,
    target: t.name,
    ok,
    ...(ok ? {} : { error: `${errors} wrk errors in ${res.requests} requests (${JSON.stringify(e)})` }),
    requests: res.requests,
    rps: Math.round(res.requests / seconds),
    latencyMs: { p50: r3(res.latencyUs.p50 / 1000), p99: r3(res.latencyUs.p99 / 1000) },
    errors,
    cpuUsPerReq: r1(((c1 - c0) * 1e6) / res.requests),
    cpuUtilPct: Math.round(((c1 - c0) / wall) * 100),
    backendCpuUtilPct: Math.round(((b1 - b0) / wall) * 100),
    processes: treeSize(pid),
  };
}

function writeConfs(dir: string, ports: Record<TargetName | 'backend', number>, cert: string, key: string): Record<Exclude<TargetName, 'node-https'>, string> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const backend = `127.0.0.1:${ports.backend}`;
  const common = join(dir, 'tls-common.conf');
  writeFileSync(
    common,
    [
      '# The TLS reverse proxy both tsproxyd and apache2 run (each file that includes it adds its own Listen).',
      'ServerName bench.test',
      'Timeout 60',
      'KeepAlive On',
      'MaxKeepAliveRequests 0',
      'KeepAliveTimeout 5',
      'SSLEngine on',
      `SSLCertificateFile ${cert}`,
      `SSLCertificateKeyFile ${key}`,
      `ProxyPass        / http://${backend}/`,
      `ProxyPassReverse / http://${backend}/`,
      '',
    ].join('\n'),
  );
  const tsproxyd = join(dir, 'tsproxyd.conf');
  writeFileSync(tsproxyd, `LoadModule ssl_module modules/mod_ssl.so\nListen 127.0.0.1:${ports.tsproxyd}\nInclude ${common}\n`);
  const apache2 = join(dir, 'apache2.conf');
  writeFileSync(apache2, apacheConf(dir, ports.apache2, common, ['proxy_http', 'ssl'], DEBIAN_MPM_EVENT));
  const nginx = join(dir, 'nginx.conf');
  writeFileSync(
    nginx,
    nginxConf(dir, join(dir, 'nginx-error.log'), 'worker_connections 4096;', `  keepalive_timeout 5s;
  keepalive_requests 1000000000;
  upstream backend {
    server ${backend};
    keepalive 64;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
  }
  server {
    listen 127.0.0.1:${ports.nginx} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
`),
  );
  return { tsproxyd, apache2, nginx };
}

function startTarget(name: TargetName, confs: Record<Exclude<TargetName, 'node-https'>, string>, files: { port: number; cert: string; key: string }, bins: { apache2?: string; nginx?: string }, dir: string): ChildProcess {
  switch (name) {
    case 'tsproxyd':
      return start('tsproxyd', process.execPath, [CLI, '-f', confs.tsproxyd], dir);
    case 'node-https':
      return start('node-https', process.execPath, [NODE_HTTPS_JS, String(files.port), files.cert, files.key], dir);
    case 'apache2':
      return start('apache2', bins.apache2!, ['-DFOREGROUND', '-f', confs.apache2], dir);
    case 'nginx':
      return start('nginx', bins.nginx!, ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', confs.nginx], dir);
  }
}

async function main(): Promise<number> {
  const wrk = findTool('WRK_BIN', ['wrk']);
  if (!wrk) {
    loud('wrk NOT FOUND: bench:tls needs it (apt-get install -y wrk)');
    return 1;
  }
  const peers = findPeers();
  const wanted = envList('BENCH_TARGETS');
  const want = (n: TargetName) => wanted.length === 0 || wanted.includes(n);
  const skipped: { target: string; reason: string }[] = [];
  for (const n of ['apache2', 'nginx'] as const) {
    if (want(n) && !peers[n]) {
      skipped.push({ target: n, reason: 'not installed' });
      loud(`${n} NOT FOUND: skipping it, NO COMPARISON with ${n}.`);
    }
  }
  const names = ORDER.filter((n) => want(n) && (n === 'tsproxyd' || n === 'node-https' || peers[n] !== undefined));

  const loadAtStart = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'tsproxyd-bench-tls-'));
  chmodSync(dir, 0o755);
  const certs = makeCerts();
  const leaf = certs.leaf('bench.test', ['DNS:bench.test', 'IP:127.0.0.1']);
  // apache2's and nginx's masters read the key as root; keep the files where a worker could too (the temp dir).
  const cert = join(dir, 'bench.crt');
  const key = join(dir, 'bench.key');
  writeFileSync(cert, leaf.certPem);
  writeFileSync(key, leaf.keyPem, { mode: 0o600 });
  certs.remove();

  const ports = { backend: await freePort(), tsproxyd: await freePort(), 'node-https': await freePort(), apache2: await freePort(), nginx: await freePort() };
  const confs = writeConfs(dir, ports, cert, key);
  const backend = start('backend', process.execPath, [BACKEND_JS, String(ports.backend)], dir);
  await sleep(300);
  const all: Measurement[] = [];
  const targets: Target[] = [];
  try {
    for (const name of names) {
      const t: Target = { name, port: ports[name] };
      t.child = startTarget(name, confs, { port: ports[name], cert, key }, peers, dir);
      const why = await waitReady(t);
      if (why !== undefined) {
        loud(`${name} did not come up: ${why} ${logTail(dir, name)}`);
        skipped.push({ target: name, reason: why });
        await stop(t.child);
        continue;
      }
      targets.push(t);
      for (const s of SCENARIOS) {
        note(`${s.id}: ${name} (${WARMUP}+${DURATION} s)`);
        all.push(measure(wrk, s, t, backend.pid!, dir));
      }
      await stop(t.child);
    }
  } finally {
    for (const t of targets) if (t.child) await stop(t.child);
    await stop(backend);
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
    else note(`kept ${dir}`);
  }

  const get = (s: Scenario['id'], t: TargetName) => all.find((m) => m.scenario === s && m.target === t);
  const versions = peerVersions(peers);
  const lines: string[] = ['# TLS listener benchmark: latest run', ''];
  lines.push(
    `Written by \`npm run bench:tls\` (bench/tls/run.ts) on ${new Date().toISOString()}. Machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; ` +
      `node ${process.version} (OpenSSL ${process.versions.openssl}); ${[versions.apache2, versions.nginx].filter(Boolean).join(', ')}; ${wrkVersion(wrk)}.`,
    '',
    'Each target terminates TLS on 127.0.0.1 (RSA-2048 certificate, the same files for all) in front of the same plain-HTTP ' +
      `Node backend; wrk -t${THREADS}, ${WARMUP} s warm-up then ${DURATION} s measured per row. "CPU µs/req" is the target's own process tree's CPU ` +
      'time over the requests wrk completed (the steadiest figure on a 2-core machine shared with wrk and the backend).',
    '',
    `Load average (1 min) at the start: ${loadAtStart.toFixed(2)}, at the end: ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores ` +
      '(other work on the machine takes CPU from the targets: compare runs with a low load).',
    '',
  );
  const table: string[][] = [];
  for (const s of SCENARIOS) {
    const rows = [['target', s.id === 'handshake' ? 'handshakes/s' : 'req/s', 'p50', 'p99', 'CPU µs/req', 'CPU %', 'backend CPU %', 'procs', 'negotiated', 'wrk errors']];
    for (const name of names) {
      const m = get(s.id, name);
      const t = targets.find((x) => x.name === name);
      if (!m) continue;
      if (m.rps === undefined) {
        rows.push([name, 'FAILED', '', '', '', '', '', '', '', m.error ?? '']);
        continue;
      }
      rows.push([
        name,
        fmtInt(m.rps),
        `${m.latencyMs!.p50.toFixed(2)} ms`,
        `${m.latencyMs!.p99.toFixed(2)} ms`,
        m.cpuUsPerReq!.toFixed(1),
        `${m.cpuUtilPct}%`,
        `${m.backendCpuUtilPct}%`,
        String(m.processes ?? ''),
        t?.negotiated ?? '',
        m.ok ? String(m.errors) : `${m.errors} INVALID`,
      ]);
    }
    lines.push(`## ${s.id}: ${s.title}`, '', `\`wrk -t${THREADS} -c${s.connections} -d${DURATION}s${(s.headers ?? []).map((h) => ` -H '${h}'`).join('')} https://127.0.0.1:PORT/small\``, '', mdTable(rows), '');
    table.push(...rows.map((r) => [s.id, ...r]));
    say(`\n${s.id}: ${s.title}\n${textTable(rows)}`);
  }
  const ratioRows = [['tsproxyd vs', 'handshakes/s', 'handshake CPU', 'keep-alive req/s', 'keep-alive CPU']];
  const ratios: { peer: TargetName; scenario: string; throughput?: number; cpu?: number }[] = [];
  for (const peer of ['apache2', 'nginx', 'node-https'] as const) {
    const row: string[] = [peer];
    for (const s of SCENARIOS) {
      const t = get(s.id, 'tsproxyd');
      const p = get(s.id, peer);
      const ok = t?.ok && p?.ok && t.rps && p.rps;
      const thr = ok ? r3(t.rps! / p.rps!) : undefined;
      const cpu = ok && t.cpuUsPerReq && p.cpuUsPerReq ? r3(t.cpuUsPerReq / p.cpuUsPerReq) : undefined;
      if (ok) ratios.push({ peer, scenario: s.id, ...(thr !== undefined ? { throughput: thr } : {}), ...(cpu !== undefined ? { cpu } : {}) });
      row.push(fmtRatio(thr), fmtRatio(cpu));
    }
    if (row.slice(1).some((c) => c !== '—')) ratioRows.push(row);
  }
  lines.push(
    '## tsproxyd relative to the others',
    '',
    'Throughput: tsproxyd ÷ the other (above 1 = tsproxyd faster). CPU: tsproxyd\'s CPU per request ÷ the other\'s (below 1 = tsproxyd cheaper). ' +
      'node-https is no proxy: a bare node:https server answering itself, the floor for any Node.js process (the gap to it is what proxying costs).',
    '',
    mdTable(ratioRows),
    '',
  );
  if (skipped.length) lines.push(`Skipped: ${skipped.map((s) => `${s.target} (${s.reason})`).join(', ')}.`, '');
  say(`\ntsproxyd relative to the others\n${textTable(ratioRows)}`);
  writeResults(RESULTS_JSON, { date: new Date().toISOString(), loadAverage: { start: loadAtStart, end: loadavg()[0] }, durationS: DURATION, warmupS: WARMUP, measurements: all, ratios, skipped, negotiated: Object.fromEntries(targets.map((t) => [t.name, t.negotiated])) }, LATEST_MD, lines.join('\n'));
  return all.every((m) => m.ok) ? 0 : 1;
}

runMain('bench:tls', main);
