// `npm run bench:config`: how long a config check takes, apache2 -t against tsproxyd -t, on the same big file
// (bench/gen-config.ts: 16,000 ProxyPass lines and 2,000 RewriteCond/RewriteRule pairs in a few <VirtualHost>s).
//
// Both are measured the same way, as whole processes (tsproxyd's Node.js start-up and module loading included):
// wall time from spawn to exit, measured here with a monotonic clock, and peak memory (max RSS) from GNU time's
// %M (`/usr/bin/time -f %M`, which reads it from the kernel's rusage at exit — `apt-get install -y time` if it is
// missing; without it the memory column stays empty). Runs alternate between the two tools so that machine noise
// hits both alike; one unmeasured warm-up run each fills the page cache.
//
// Layout matters for httpd: it looks each ProxyPass worker up among the server's existing ones, so its time grows
// with the square of the ProxyPass lines in one server (measured: 4,000 → 0.13 s, 8,000 → 0.47 s, 16,000 → 2.0 s,
// 32,000 → 9.9 s), while tsproxyd's grows linearly. gen-config.ts puts all 16,000 in one <VirtualHost>, the
// gateway case; spread evenly over 4 virtual hosts httpd needs only ~0.5 s.
//
// Environment: BENCH_RUNS (default 5), BENCH_WARMUP (1), APACHE_BIN (default /usr/sbin/apache2, then httpd, then
// PATH), BENCH_PROF=1 (also profile one tsproxyd run with --cpu-prof and list the hottest functions, source-mapped
// to the .ts files), BENCH_KEEP=1 (keep the generated config), BENCH_STRICT=1 (exit 1 when the target is missed).
// Results: printed, and written to bench/results/config-check.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchConfig } from './gen-config.js';
import { loadSourceMap } from './source-map.js';

const TARGET = 10; // tsproxyd -t at least this many times faster than apache2 -t (issue: apache takes ~3.4 s)
const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const REPO = resolve(HERE, '..', '..');
const CLI = resolve(HERE, '..', 'src', 'cli', 'main.js');
const RESULTS = join(REPO, 'bench', 'results', 'config-check.json');

function envInt(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, not '${raw}'`);
  return n;
}

const RUNS = envInt('BENCH_RUNS', 5, 1);
const WARMUP = envInt('BENCH_WARMUP', 1, 0);

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function findApache(): string | undefined {
  if (process.env.APACHE_BIN) return existsSync(process.env.APACHE_BIN) ? process.env.APACHE_BIN : undefined;
  for (const p of ['/usr/sbin/apache2', '/usr/sbin/httpd']) if (existsSync(p)) return p;
  return findOnPath('apache2') ?? findOnPath('httpd');
}

/** GNU time, if present and really GNU (BSD/busybox time lack -f %M or -o). */
function findGnuTime(): string | undefined {
  const p = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  if (!p) return undefined;
  const probe = spawnSync(p, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr) ? p : undefined;
}

interface Run {
  readonly ms: number;
  readonly rssKB?: number;
  readonly userS?: number;
  readonly sysS?: number;
  readonly status: number | null;
  readonly stderr: string;
}

function measure(gnuTime: string | undefined, cmd: string, args: readonly string[], scratch: string): Run {
  const out = join(scratch, 'time.out');
  const [bin, argv] = gnuTime ? [gnuTime, ['-f', '%M %U %S', '-o', out, cmd, ...args]] : [cmd, [...args]];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stderr = (r.stderr ?? '') + (r.error ? String(r.error) : '');
  if (!gnuTime) return { ms, status: r.status, stderr };
  // GNU time writes "Command exited with non-zero status N" before the format line on failure: take the last line.
  const last = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
  const [rss, user, sys] = last.split(/\s+/).map(Number);
  return { ms, rssKB: rss, userS: user, sysS: sys, status: r.status, stderr };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface ToolResult {
  readonly tool: string;
  readonly command: string;
  readonly ok: boolean;
  readonly firstError?: string;
  readonly wallMs: { readonly median: number; readonly min: number; readonly max: number; readonly runs: readonly number[] };
  readonly maxRssKB?: { readonly median: number; readonly max: number; readonly runs: readonly number[] };
  readonly cpuS?: { readonly median: number };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function summarize(tool: string, command: string, runs: readonly Run[]): ToolResult {
  const bad = runs.find((r) => r.status !== 0 || !/Syntax OK/.test(r.stderr));
  const ms = runs.map((r) => r.ms);
  const rss = runs.map((r) => r.rssKB).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const cpu = runs.map((r) => (r.userS ?? NaN) + (r.sysS ?? NaN)).filter(Number.isFinite);
  return {
    tool,
    command,
    ok: bad === undefined,
    ...(bad ? { firstError: `exit ${bad.status}: ${bad.stderr.trim().split('\n').slice(0, 3).join(' | ')}` } : {}),
    wallMs: { median: r1(median(ms)), min: r1(Math.min(...ms)), max: r1(Math.max(...ms)), runs: ms.map(r1) },
    ...(rss.length ? { maxRssKB: { median: median(rss), max: Math.max(...rss), runs: rss } } : {}),
    ...(cpu.length ? { cpuS: { median: Math.round(median(cpu) * 100) / 100 } } : {}),
  };
}

// --- optional CPU profile of one tsproxyd run, source-mapped to the TypeScript files --------------------------

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}


interface Hot {
  ms: number;
  fn: string;
  at: string;
}

function profileTsproxyd(file: string, scratch: string): { self: Hot[]; inclusive: Hot[]; totalMs: number } {
  const dir = join(scratch, 'prof');
  spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir, CLI, '-t', '-f', file], { encoding: 'utf8' });
  const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
  if (!f) return { self: [], inclusive: [], totalMs: 0 };
  const prof = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: ProfNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const maps = new Map<string, ReturnType<typeof loadSourceMap>>();
  const where = (cf: ProfNode['callFrame']): string => {
    if (!cf.url.startsWith('file://')) return cf.url || '(native)';
    const js = fileURLToPath(cf.url);
    if (!maps.has(js)) maps.set(js, loadSourceMap(REPO, js));
    return maps.get(js)?.(cf.lineNumber, cf.columnNumber) ?? `${relative(REPO, js)}:${cf.lineNumber + 1}`;
  };
  const self = new Map<string, Hot>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const cf = byId.get(id)!.callFrame;
    const at = where(cf);
    const key = `${cf.functionName}@${at}`;
    const e = self.get(key) ?? { ms: 0, fn: cf.functionName || '(anonymous)', at };
    e.ms += dt;
    self.set(key, e);
  });
  // Inclusive time of the project's own functions (a sample counts once per function on its stack).
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, { ms: number; fn: string; at: string }>();
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (!cf.url.startsWith('file://') || cf.url.includes('/node_modules/') || !cf.functionName) continue;
      const at = where(cf);
      const key = `${cf.functionName}@${at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const e = incl.get(key) ?? { ms: 0, fn: cf.functionName, at };
      e.ms += dt;
      incl.set(key, e);
    }
  });
  return {
    self: [...self.values()].sort((a, b) => b.ms - a.ms).slice(0, 20),
    inclusive: [...incl.values()].sort((a, b) => b.ms - a.ms).slice(0, 20),
    totalMs: total,
  };
}

// --- main -----------------------------------------------------------------------------------------------------

const round = (e: Hot): Hot => ({ ...e, ms: Math.round(e.ms * 10) / 10 });

function fmtMs(x: number): string {
  return `${x.toFixed(0)} ms`;
}
function fmtMB(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`;
}

function main(): number {
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${CLI} is missing; build first (npm run bench:config does)\n`);
    return 1;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'tsproxyd-bench-'));
  try {
    const { file, stats } = writeBenchConfig(scratch);
    const apache = findApache();
    const gnuTime = findGnuTime();
    const loud = (s: string) => process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! ${s}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
    if (!apache) loud('apache2 (httpd) NOT FOUND: measuring tsproxyd alone, NO COMPARISON. Install apache2 or set APACHE_BIN.');
    if (!gnuTime) process.stderr.write('bench: GNU time (/usr/bin/time) not found: no max RSS column (apt-get install -y time)\n');

    const tools: { name: string; cmd: string; args: string[] }[] = [
      ...(apache ? [{ name: 'apache2 -t', cmd: apache, args: ['-t', '-f', file] }] : []),
      { name: 'tsproxyd -t', cmd: process.execPath, args: [CLI, '-t', '-f', file] },
    ];
    const apacheVersion = apache ? (spawnSync(apache, ['-v'], { encoding: 'utf8' }).stdout.match(/Apache\/[\d.]+/)?.[0] ?? 'unknown') : undefined;

    process.stdout.write(
      `config: ${file}\n  ${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(2)} MB: ${stats.proxyPass} ProxyPass, ${stats.rewriteCond} RewriteCond + ` +
        `${stats.rewriteRule} RewriteRule, ${stats.vhosts} <VirtualHost>, ${stats.other} other lines\n` +
        `runs: ${RUNS} each after ${WARMUP} warm-up, alternating; wall time = spawn to exit (process start-up included); ` +
        `max RSS = ${gnuTime ? 'GNU time %M' : 'n/a'}\n` +
        `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB; node ${process.version}` +
        `${apacheVersion ? `; ${apacheVersion}` : ''}\n\n`,
    );

    const runs = new Map<string, Run[]>(tools.map((t) => [t.name, []]));
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const t of tools) {
        const r = measure(gnuTime, t.cmd, t.args, scratch);
        if (i >= WARMUP) runs.get(t.name)!.push(r);
        else if (r.status !== 0) process.stderr.write(`bench: warm-up of ${t.name} exited ${r.status}: ${r.stderr.trim().split('\n')[0]}\n`);
      }
      process.stderr.write(i < WARMUP ? 'w' : '.');
    }
    process.stderr.write('\n');

    const results = tools.map((t) => summarize(t.name, [t.cmd, ...t.args].join(' '), runs.get(t.name)!));
    const rows = [
      ['tool', 'median', 'min', 'max', 'max RSS', 'CPU (u+s)', 'result'],
      ...results.map((r) => [
        r.tool,
        fmtMs(r.wallMs.median),
        fmtMs(r.wallMs.min),
        fmtMs(r.wallMs.max),
        fmtMB(r.maxRssKB?.median),
        r.cpuS ? `${r.cpuS.median.toFixed(2)} s` : 'n/a',
        r.ok ? 'Syntax OK' : `FAILED (${r.firstError})`,
      ]),
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    for (const row of rows) process.stdout.write(row.map((cell, c) => (c === 0 || c === row.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd() + '\n');

    const ap = results.find((r) => r.tool === 'apache2 -t');
    const ts = results.find((r) => r.tool === 'tsproxyd -t')!;
    let verdict: string;
    let ratio: { median: number; min: number } | undefined;
    let met: boolean | undefined;
    if (!ts.ok) {
      verdict = `INVALID: tsproxyd -t did not accept the benchmark config (${ts.firstError})`;
    } else if (!ap) {
      verdict = `NO COMPARISON: apache2 not found; tsproxyd -t median ${fmtMs(ts.wallMs.median)}`;
    } else if (!ap.ok) {
      verdict = `INVALID: apache2 -t did not accept the benchmark config (${ap.firstError})`;
    } else {
      ratio = { median: ap.wallMs.median / ts.wallMs.median, min: ap.wallMs.min / ts.wallMs.min };
      met = ratio.median >= TARGET;
      const memo = ap.maxRssKB && ts.maxRssKB ? `; max RSS ${fmtMB(ts.maxRssKB.median)} vs ${fmtMB(ap.maxRssKB.median)}` : '';
      verdict =
        `${met ? 'PASS' : 'MISS'}: tsproxyd -t is ${ratio.median.toFixed(2)}x ${ratio.median >= 1 ? 'faster' : 'slower'} than apache2 -t ` +
        `(median ${fmtMs(ts.wallMs.median)} vs ${fmtMs(ap.wallMs.median)}; best-of ${ratio.min.toFixed(2)}x)${memo}; target >= ${TARGET}x`;
    }
    process.stdout.write(`\nratio apache2/tsproxyd: ${ratio ? `median ${ratio.median.toFixed(2)}x, min ${ratio.min.toFixed(2)}x` : 'n/a'}\nverdict: ${verdict}\n`);

    let profile: ReturnType<typeof profileTsproxyd> | undefined;
    if (process.env.BENCH_PROF === '1') {
      profile = profileTsproxyd(file, scratch);
      process.stdout.write(`\nCPU profile of one tsproxyd -t run (${fmtMs(profile.totalMs)} sampled), hottest functions by self time:\n`);
      for (const e of profile.self) process.stdout.write(`  ${e.ms.toFixed(1).padStart(7)} ms  ${e.fn}  ${e.at}\n`);
      process.stdout.write(`tsproxyd's own functions by inclusive time (callees included):\n`);
      for (const e of profile.inclusive) process.stdout.write(`  ${e.ms.toFixed(1).padStart(7)} ms  ${e.fn}  ${e.at}\n`);
    }

    const json = {
      benchmark: 'config-check',
      date: new Date().toISOString(),
      target: `tsproxyd -t at least ${TARGET}x faster than apache2 -t`,
      method:
        'whole processes, wall time spawn-to-exit via process.hrtime (Node start-up included), max RSS via GNU time %M; ' +
        `${WARMUP} warm-up run(s) then ${RUNS} measured runs per tool, alternating`,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memGB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, apache: apacheVersion ?? null },
      config: { ...stats, generator: 'bench/gen-config.ts' },
      runs: RUNS,
      results,
      ratio: ratio ? { median: Math.round(ratio.median * 100) / 100, min: Math.round(ratio.min * 100) / 100 } : null,
      targetMet: met ?? null,
      verdict,
      ...(profile ? { profile: { sampledMs: Math.round(profile.totalMs), hottestSelf: profile.self.map(round), hottestInclusive: profile.inclusive.map(round) } } : {}),
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, JSON.stringify(json, null, 2) + '\n');
    process.stdout.write(`\nresults: ${relative(process.cwd(), RESULTS) || RESULTS}\n`);
    if (process.env.BENCH_KEEP === '1') process.stdout.write(`kept: ${scratch}\n`);
    if (!ts.ok || (ap && !ap.ok)) return 1;
    return process.env.BENCH_STRICT === '1' && met === false ? 1 : 0;
  } finally {
    if (process.env.BENCH_KEEP !== '1') rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = main();
