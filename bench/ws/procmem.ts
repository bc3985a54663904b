// Resident memory of a process tree from /proc (Linux): VmRSS of the root and each live descendant, summed, so that
// a proxy that holds tunnels in worker processes (apache2's children, nginx's workers) is counted whole. Pages
// shared between processes are counted in each, as RSS does; the benchmark reports differences (after opening
// idle tunnels minus before), where the shared pages of a process that existed before cancel out and a new
// process is counted with all it maps, as the cost of holding more tunnels that way.
import { readFileSync } from 'node:fs';
import { treePids } from '../http/procstat.js';

/** VmRSS in KiB from a /proc/<pid>/status text; undefined for a kernel thread or a zombie (no VmRSS line). */
export function parseVmRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

export function parsePssKiB(rollup: string): number | undefined {
  const m = /^Pss:\s+(\d+) kB$/m.exec(rollup);
  return m ? Number(m[1]) : undefined;
}

export function treePssKiB(root: number): number {
  let kib = 0;
  for (const pid of treePids(root)) {
    try {
      kib += parsePssKiB(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')) ?? 0;
    } catch {
      // exited meanwhile
    }
  }
  return kib;
}

/** The summed RSS (KiB) of root and its live descendants; NaN when root is gone. */
export function treeRssKiB(root: number): number {
  const pids = treePids(root);
  if (pids.length === 0) return NaN;
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += parseVmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8')) ?? 0;
    } catch {
      // exited meanwhile
    }
  }
  return kib;
}
