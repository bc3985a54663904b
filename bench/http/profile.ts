// Reads a V8 .cpuprofile (node --cpu-prof) and lists the hottest functions, with dist/*.js positions mapped back to
// the .ts sources through their source maps (tsc's sourceMap: true). Same approach as bench/config-check.ts.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSourceMap } from '../source-map.js';

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface HotEntry {
  readonly fn: string;
  readonly at: string;
  readonly ms: number;
  readonly pct: number;
  /** for a function outside src/: its most frequent nearest tsproxyd frame, or else its nearest JS callers */
  readonly via?: string;
}

export interface ProfileSummary {
  readonly sampledMs: number;
  /** sampled time minus (idle) */
  readonly busyMs: number;
  readonly self: HotEntry[];
  /** tsproxyd's own functions (src/), callees included */
  readonly inclusive: HotEntry[];
  /** self time per area: tsproxyd src/, node: internals, GC, native, … */
  readonly areas: HotEntry[];
}

function area(url: string, fn: string, at: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn === '(idle)') return 'idle';
  if (url.startsWith('node:')) {
    const m = url.match(/^node:(?:internal\/)?([a-z_]+)/);
    return `node:${m?.[1] ?? url}`;
  }
  if (!url) return 'native (builtins, C++)';
  if (at.startsWith('src/')) return `tsproxyd ${at.split('/').slice(0, 2).join('/')}/`;
  if (url.includes('/node_modules/')) return 'node_modules';
  return at;
}

export function summarizeProfile(file: string, repo: string, top = 20): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const maps = new Map<string, ReturnType<typeof loadSourceMap>>();
  const where = (cf: ProfNode['callFrame']): string => {
    if (!cf.url.startsWith('file://')) return cf.url ? `${cf.url}:${cf.lineNumber + 1}` : '(native)';
    const js = fileURLToPath(cf.url);
    if (!maps.has(js)) maps.set(js, loadSourceMap(repo, js));
    return maps.get(js)?.(cf.lineNumber, cf.columnNumber) ?? `${relative(repo, js)}:${cf.lineNumber + 1}`;
  };
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  type Acc = { fn: string; at: string; ms: number; via?: Map<string, number> };
  const self = new Map<string, Acc>();
  const incl = new Map<string, Acc>();
  const areas = new Map<string, Acc>();
  let total = 0;
  let idle = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') {
      idle += dt;
      return;
    }
    const at = where(cf);
    const key = `${cf.functionName}@${at}`;
    const e: Acc = self.get(key) ?? { fn: cf.functionName || '(anonymous)', at, ms: 0 };
    e.ms += dt;
    self.set(key, e);
    if (!at.startsWith('src/')) {
      // The nearest tsproxyd frame; without one (a callback from Node's event loop), the nearest JS callers.
      let v: string | undefined;
      const chain: string[] = [];
      for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
        const c = byId.get(cur)!.callFrame;
        if (!c.url || c.url.includes('/node_modules/')) continue;
        const cat = where(c);
        if (cat.startsWith('src/')) {
          v = `${c.functionName || '(anonymous)'} ${cat}`;
          break;
        }
        if (chain.length < 3 && c.functionName) chain.push(`${c.functionName} ${cat.replace(/^node:(internal\/)?/, '')}`);
      }
      v ??= chain.length ? chain.join(' < ') : undefined;
      if (v !== undefined) {
        e.via ??= new Map();
        e.via.set(v, (e.via.get(v) ?? 0) + dt);
      }
    }
    const a = area(cf.url, cf.functionName, at);
    const ae = areas.get(a) ?? { fn: a, at: '', ms: 0 };
    ae.ms += dt;
    areas.set(a, ae);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur)!.callFrame;
      if (!c.url.startsWith('file://') || c.url.includes('/node_modules/')) continue;
      const cat = where(c);
      if (!cat.startsWith('src/')) continue;
      const k = `${c.functionName}@${cat}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const ie = incl.get(k) ?? { fn: c.functionName || '(anonymous)', at: cat, ms: 0 };
      ie.ms += dt;
      incl.set(k, ie);
    }
  });
  const busy = total - idle;
  const fin = (xs: Iterable<Acc>, n: number): HotEntry[] =>
    [...xs]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, n)
      .map((e) => {
        const via = e.via ? [...e.via.entries()].sort((a, b) => b[1] - a[1])[0] : undefined;
        return {
          fn: e.fn,
          at: e.at,
          ms: Math.round(e.ms * 10) / 10,
          pct: busy > 0 ? Math.round((e.ms / busy) * 1000) / 10 : 0,
          ...(via ? { via: `${via[0]} (${Math.round((via[1] / e.ms) * 100)}%)` } : {}),
        };
      });
  return { sampledMs: Math.round(total), busyMs: Math.round(busy), self: fin(self.values(), top), inclusive: fin(incl.values(), top), areas: fin(areas.values(), 12) };
}
