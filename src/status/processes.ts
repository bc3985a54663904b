// With WorkerProcesses > 1, every worker counts its own requests; the status pages show the whole server. Each
// worker reports its figures to the primary once a second over the cluster channel; the primary sends the table
// back to every worker, with the counters of workers that have exited (so totals never go down when one is
// replaced). A page is therefore at most about two seconds behind for the other processes, exact for its own.
// The primary keeps these figures only: no request state.
import cluster, { type Worker } from 'node:cluster';

/** One process's figures: counters since it started, and gauges now. */
export interface ProcessFigures {
  readonly pid: number;
  readonly requests: number;
  readonly durationMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly connectionsTotal: number;
  readonly tunnelsTotal: number;
  readonly cpuUserSec: number;
  readonly cpuSystemSec: number;
  readonly busy: number;
  readonly connections: number;
  readonly idleConnections: number;
  readonly tunnelsOpen: number;
  /** When the figures were taken (ms since the epoch). */
  readonly at: number;
}

/** The counters of processes that have exited, summed. */
export type RetiredTotals = Pick<ProcessFigures, 'requests' | 'durationMs' | 'bytesIn' | 'bytesOut' | 'connectionsTotal' | 'tunnelsTotal' | 'cpuUserSec' | 'cpuSystemSec'>;

const COUNTERS = ['requests', 'durationMs', 'bytesIn', 'bytesOut', 'connectionsTotal', 'tunnelsTotal', 'cpuUserSec', 'cpuSystemSec'] as const;
const GAUGES = ['busy', 'connections', 'idleConnections', 'tunnelsOpen'] as const;
const noneRetired = (): RetiredTotals => ({ requests: 0, durationMs: 0, bytesIn: 0, bytesOut: 0, connectionsTotal: 0, tunnelsTotal: 0, cpuUserSec: 0, cpuSystemSec: 0 });

const REPORT = 'tsproxyd:figures';
const TABLE = 'tsproxyd:processes';
const INTERVAL_MS = 1000;

interface ReportMessage {
  readonly type: typeof REPORT;
  readonly figures: ProcessFigures;
}
interface TableMessage {
  readonly type: typeof TABLE;
  readonly processes: readonly ProcessFigures[];
  readonly retired: RetiredTotals;
}

const isMessage = <T extends { type: string }>(m: unknown, type: T['type']): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** A worker's view of the other processes (empty when this process is not a cluster worker). */
export class ProcessTable {
  #others: readonly ProcessFigures[] = [];
  #retired: RetiredTotals = noneRetired();
  #timer: NodeJS.Timeout | undefined;
  #onMessage: ((m: unknown) => void) | undefined;

  /** Starts reporting `figures()` to the primary (only in a cluster worker). */
  start(figures: () => ProcessFigures): void {
    if (!cluster.isWorker || this.#timer !== undefined) return;
    const report = () => {
      if (process.connected) process.send?.({ type: REPORT, figures: figures() } satisfies ReportMessage);
    };
    this.#onMessage = (m) => {
      if (!isMessage<TableMessage>(m, TABLE)) return;
      this.#others = m.processes.filter((p) => p.pid !== process.pid);
      this.#retired = m.retired;
    };
    process.on('message', this.#onMessage);
    this.#timer = setInterval(report, INTERVAL_MS).unref();
    report();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#onMessage !== undefined) process.off('message', this.#onMessage);
    this.#onMessage = undefined;
  }

  /** The other workers' latest figures. */
  others(): readonly ProcessFigures[] {
    return this.#others;
  }

  retired(): RetiredTotals {
    return this.#retired;
  }
}

/** In the primary: collects the workers' reports and sends the table back to each. Returns a stop function. */
export function collectProcessFigures(): () => void {
  const latest = new Map<number, ProcessFigures>();
  const retired = noneRetired() as { -readonly [K in keyof RetiredTotals]: number };
  const onMessage = (_w: Worker, m: unknown) => {
    if (isMessage<ReportMessage>(m, REPORT)) latest.set(m.figures.pid, m.figures);
  };
  const onExit = (w: Worker) => {
    const pid = w.process.pid;
    const last = pid === undefined ? undefined : latest.get(pid);
    if (last === undefined) return;
    for (const k of COUNTERS) retired[k] += last[k];
    latest.delete(pid!);
  };
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  const timer = setInterval(() => {
    const msg: TableMessage = { type: TABLE, processes: [...latest.values()], retired: { ...retired } };
    for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined && !w.isDead() && w.isConnected()) w.send(msg);
  }, INTERVAL_MS).unref();
  return () => {
    clearInterval(timer);
    cluster.off('message', onMessage);
    cluster.off('exit', onExit);
  };
}

/** A process's figures without its identity: what the pages add up. */
export type Totals = Omit<ProcessFigures, 'pid' | 'at'>;

/** The whole server: this process's figures plus the others' and the retired counters. */
export function sumFigures(own: ProcessFigures, others: readonly ProcessFigures[], retired: RetiredTotals): Totals {
  const all = [own, ...others];
  const out = {} as Record<keyof Totals, number>;
  for (const k of COUNTERS) out[k] = all.reduce((n, p) => n + p[k], retired[k]);
  for (const k of GAUGES) out[k] = all.reduce((n, p) => n + p[k], 0);
  return out;
}
