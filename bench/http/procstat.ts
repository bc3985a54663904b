// CPU time of a process and all its descendants, from /proc/<pid>/stat (Linux).
//
// Each process's utime+stime covers all its threads; cutime+cstime add its children that have exited and been
// waited for. Summing all four over the live tree rooted at a pid counts a worker that exits mid-run exactly once:
// before it is reaped in its own entry, after it in its parent's. The unit is the kernel's clock tick
// (getconf CLK_TCK, 100 on Linux), so a 5 s run of a busy proxy has hundreds of ticks: 1% resolution or better.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface StatFields {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks */
  readonly ticks: number;
}

/** Parses one /proc/<pid>/stat line; the command name (field 2) may hold spaces and parentheses. */
export function parseStat(line: string): StatFields | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  // Fields from 3 (state) on; field n is at index n - 3.
  const f = line.slice(close + 2).split(' ');
  const num = (n: number) => Number(f[n - 3]);
  const ticks = num(14) + num(15) + num(16) + num(17);
  if (!Number.isFinite(pid) || !Number.isFinite(ticks)) return undefined;
  return { pid, ppid: num(4), ticks };
}

let tck: number | undefined;
export function clockTicksPerSecond(): number {
  if (tck === undefined) {
    try {
      tck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      tck = 100;
    }
  }
  return tck;
}

function readAll(): StatFields[] {
  const out: StatFields[] = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    try {
      const s = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (s) out.push(s);
    } catch {
      // exited between readdir and read
    }
  }
  return out;
}

/** CPU seconds used so far by pid and its live descendants (plus their reaped children). */
export function treeCpuSeconds(root: number): number {
  const all = readAll();
  const kids = new Map<number, StatFields[]>();
  let self: StatFields | undefined;
  for (const s of all) {
    if (s.pid === root) self = s;
    const list = kids.get(s.ppid);
    if (list) list.push(s);
    else kids.set(s.ppid, [s]);
  }
  if (!self) return NaN;
  let ticks = 0;
  const stack = [self];
  while (stack.length) {
    const s = stack.pop()!;
    ticks += s.ticks;
    for (const k of kids.get(s.pid) ?? []) stack.push(k);
  }
  return ticks / clockTicksPerSecond();
}

/** The live pids in the tree rooted at root, root first (empty when root is gone). */
export function treePids(root: number): number[] {
  const all = readAll();
  const kids = new Map<number, number[]>();
  for (const s of all) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), s.pid]);
  if (!all.some((s) => s.pid === root)) return [];
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** How many processes the tree has (for the report: apache2 and nginx run workers). */
export function treeSize(root: number): number {
  return treePids(root).length;
}
