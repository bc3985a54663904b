// The report of `npm run bench:ws`: a table per scenario (absolute figures, and each target's headline as a ratio
// of apache2's and node-http-proxy's in the same run), a summary table, and issue #4's targets for tsproxyd.
import { fmtInt, fmtRatio, mark, mdTable, r3, type Goal } from '../http/report.js';
import type { Outcome, Scenario, Settings } from './scenarios.js';
import type { TargetName } from './targets.js';

export interface Measurement extends Outcome {
  readonly scenario: string;
  readonly target: TargetName;
}

/** Issue #4's reference figures, measured on this machine kind. */
export const REFERENCE =
  'bulk MiB/s node-http-proxy 792, apache2 910, haproxy 1,045; handshakes/s node-http-proxy 1,373, apache2 1,647, nginx 2,098; ' +
  'KiB per idle tunnel node-http-proxy 14.6, nginx 17.7, apache2 89';
export const GOAL_KIB_PER_TUNNEL = 12;

const RATIO_PEERS: readonly TargetName[] = ['apache2', 'node-http-proxy'];

export function fmtFigure(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000 || Number.isInteger(x)) return fmtInt(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

const find = (ms: readonly Measurement[], scenario: string, target: TargetName) => ms.find((m) => m.scenario === scenario && m.target === target && m.ok);

export function scenarioRows(sc: Scenario, ms: readonly Measurement[]): string[][] {
  const header = ['target', sc.unit, ...RATIO_PEERS.map((p) => `x ${p}`), ...sc.columns.map((c) => c.label)];
  const rows = [header];
  for (const m of ms) {
    if (!m.ok) {
      rows.push([m.target, 'FAILED', ...RATIO_PEERS.map(() => ''), ...sc.columns.map(() => '')]); // the reason: failures()
      continue;
    }
    const ratio = (p: TargetName) => {
      const peer = find(ms, sc.id, p);
      return peer?.value && m.value !== undefined ? fmtRatio(m.value / peer.value) : '—';
    };
    rows.push([m.target, fmtFigure(m.value), ...RATIO_PEERS.map(ratio), ...sc.columns.map((c) => fmtFigure(m.figures?.[c.key]))]);
  }
  return rows;
}

/** Why each FAILED row failed, a line each, for under its table. */
export function failures(ms: readonly Measurement[]): string[] {
  return ms.filter((m) => !m.ok).map((m) => `FAILED ${m.target}: ${m.error ?? '?'}`);
}

/** Headline figures, one row per target, one column per scenario (echo with its p99 too). */
export function summaryRows(scenarios: readonly Scenario[], ms: readonly Measurement[], targets: readonly TargetName[]): string[][] {
  const cols = scenarios.flatMap((s) => (s.id === 'echo' ? [[s, 'value', `${s.id} p50 µs`], [s, 'p99Us', `${s.id} p99 µs`]] : [[s, 'value', `${s.id} ${s.unit}`]]) as [Scenario, string, string][]);
  const rows = [['target', ...cols.map((c) => c[2])]];
  for (const t of targets) {
    rows.push([
      t,
      ...cols.map(([s, key]) => {
        const m = ms.find((x) => x.scenario === s.id && x.target === t);
        if (!m) return '';
        if (!m.ok) return 'FAILED';
        return fmtFigure(key === 'value' ? m.value : m.figures?.[key]);
      }),
    ]);
  }
  return rows;
}

export function goals(ms: readonly Measurement[]): Goal[] {
  const out: Goal[] = [];
  const compare = (scenario: string, peer: TargetName, label: string, unit: string, better: 'higher' | 'lower') => {
    const goal = `${label}: ${better === 'higher' ? 'at least' : 'at most'} ${peer}'s (same run)`;
    const t = find(ms, scenario, 'tsproxyd');
    const p = find(ms, scenario, peer);
    if (t?.value === undefined) return out.push({ goal, met: null, detail: 'tsproxyd not measured' });
    if (p?.value === undefined) return out.push({ goal, met: null, detail: `${peer} not measured in this run` });
    const met = better === 'higher' ? t.value >= p.value : t.value <= p.value;
    return out.push({ goal, met, detail: `${fmtFigure(t.value)} vs ${fmtFigure(p.value)} ${unit} (${fmtRatio(t.value / p.value)})` });
  };
  compare('bulk-1', 'apache2', 'bulk throughput, one tunnel', 'MiB/s', 'higher');
  compare('bulk-4', 'apache2', 'bulk throughput, 4 tunnels', 'MiB/s', 'higher');
  compare('handshake', 'apache2', 'WebSocket handshakes per second', 'handshakes/s', 'higher');
  compare('echo', 'node-http-proxy', 'echo round trip p50', 'µs', 'lower');
  const idle = find(ms, 'idle', 'tsproxyd');
  const goal = `memory per idle tunnel: at most ${GOAL_KIB_PER_TUNNEL} KiB`;
  out.push(idle?.value === undefined ? { goal, met: null, detail: 'tsproxyd not measured' } : { goal, met: idle.value <= GOAL_KIB_PER_TUNNEL, detail: `${fmtFigure(idle.value)} KiB (PSS)` });
  return out;
}

export const goalLine = (g: Goal) => `${mark(g)}  ${g.goal}: ${g.detail}`;

/** Each target's headline figure divided by apache2's and node-http-proxy's, for the JSON. */
export function ratios(ms: readonly Measurement[]): { scenario: string; target: TargetName; vs: TargetName; ratio: number }[] {
  return ms.flatMap((m) =>
    RATIO_PEERS.flatMap((vs) => {
      const p = find(ms, m.scenario, vs);
      return m.ok && m.value !== undefined && p?.value ? [{ scenario: m.scenario, target: m.target, vs, ratio: r3(m.value / p.value) }] : [];
    }),
  );
}

export interface MarkdownInputs {
  readonly date: string;
  readonly machine: string;
  readonly versions: string;
  readonly settings: Settings;
  readonly scenarios: readonly Scenario[];
  readonly targets: readonly { name: TargetName; describe: string }[];
  readonly skipped: readonly { target: string; reason: string }[];
  readonly ms: readonly Measurement[];
  readonly goals: readonly Goal[];
}

export function markdown(x: MarkdownInputs): string {
  const md: string[] = [
    '# WebSocket tunnel benchmark: latest run',
    '',
    `Written by \`npm run bench:ws\` (bench/ws/run.ts) on ${x.date}. Machine: ${x.machine}; ${x.versions}.`,
    '',
    'Every target on 127.0.0.1 in front of the same backend, a lean WebSocket server on Node.js net sockets (bench/ws/backend.ts), ' +
      'with the load generated in the harness process on net sockets with hand-made frames (bench/ws/load.ts); before each scenario every target is ' +
      'started afresh (the backend too) and checked with a real WebSocket client (the `ws` package: echo, ping, close code, a 1 MiB message). ' +
      "CPU = the target's own process tree (utime+stime from /proc, children included) over the measured window; for \"direct\" the target's figures " +
      "(CPU, memory) are the backend's own. \"client CPU %\" is the load generator's (100% = one core). Ratios (x apache2, x node-http-proxy) divide " +
      "the target's headline figure by theirs in the same run.",
    '',
    ...x.targets.map((t) => `* **${t.name}**: ${t.describe}`),
    '',
    ...(x.skipped.length ? [`**Skipped:** ${x.skipped.map((s) => `${s.target} (${s.reason})`).join('; ')}`, ''] : []),
    '## Summary',
    '',
    mdTable(summaryRows(x.scenarios, x.ms, x.targets.map((t) => t.name))),
    '',
  ];
  for (const s of x.scenarios) {
    const ms = x.ms.filter((m) => m.scenario === s.id);
    const failed = failures(ms);
    md.push(`## ${s.id}: ${s.title} (${s.better} is better)`, '', `${s.load(x.settings)}.`, '', mdTable(scenarioRows(s, ms)), '', ...(failed.length ? [...failed.map((f) => `* ${f}`), ''] : []));
  }
  md.push('## Issue #4 targets', '', ...x.goals.map((g) => `* **${mark(g).trim()}** ${g.goal}: ${g.detail}`), '', `Reference figures from the issue, same machine kind: ${REFERENCE}.`, '');
  return md.join('\n');
}
