// One moment of the server's state as plain data: what the HTML page, `?auto` and the live WebSocket all show.
import { loadavg } from 'node:os';
import type { Backend } from '../route/types.js';
import type { ServerStats } from './stats.js';
import type { HandlerScope } from './types.js';
import { sumFigures, type ProcessFigures, type ProcessTable } from './processes.js';

/** What src/server lends the status handlers (read-only). */
export interface ServerView {
  readonly stats: ServerStats;
  /** Requests being answered now (tunnels not included). */
  busy(): number;
  /** Client connections open now. */
  openConnections(): number;
  /** Bytes read and written on the connections open now. */
  openBytes(): { readonly in: number; readonly out: number };
  /** Pooled (idle or busy) connections to a backend. */
  poolSockets(key: string): number;
  /** Why a backend cannot be used now (mod_proxy's error state), undefined when it can. */
  workerError(b: Backend, now: number): string | undefined;
  /** A graceful stop is under way. */
  stopping(): boolean;
  /** The other worker processes' figures (WorkerProcesses > 1). */
  readonly processes?: ProcessTable;
}

/** One process in the page's process table (this one first). */
export interface ProcessRow {
  readonly pid: number;
  readonly self: boolean;
  readonly requests: number;
  readonly busy: number;
  readonly connections: number;
  readonly tunnelsOpen: number;
  /** Seconds since its figures were taken. */
  readonly ageSec: number;
}

export interface MemberSnapshot {
  readonly name: string;
  readonly scheme: string;
  readonly host: string;
  readonly route: string;
  readonly redirect: string;
  readonly factor: number;
  readonly lbset: number;
  /** httpd's status text: "Init Ok ", "Init Err ", "Init Dis Ok " … */
  readonly status: string;
  readonly flags: string;
  readonly usable: boolean;
  readonly errorFor: number; // seconds of error state left, 0 when not in error
  readonly load: number;
  readonly elected: number;
  readonly busy: number;
  readonly sent: number;
  readonly read: number;
}

export interface BalancerSnapshot {
  readonly name: string;
  readonly method: string;
  readonly sticky: string;
  readonly nofailover: boolean;
  readonly timeoutSec: number;
  readonly maxAttempts: number;
  readonly members: readonly MemberSnapshot[];
}

export interface Snapshot {
  readonly version: string;
  readonly node: string;
  readonly pid: number;
  readonly serverName: string;
  readonly now: number;
  readonly startedAt: number;
  readonly generation: number;
  readonly uptimeSec: number;
  readonly load: readonly [number, number, number];
  readonly cpuUserSec: number;
  readonly cpuSystemSec: number;
  readonly requests: number;
  readonly durationMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly busy: number;
  readonly connections: number;
  readonly connectionsTotal: number;
  readonly idleConnections: number;
  readonly tunnelsOpen: number;
  readonly tunnelsTotal: number;
  readonly stopping: boolean;
  readonly tunnels: readonly { readonly backend: string; readonly path: string; readonly open: number }[];
  readonly backends: readonly { readonly key: string; readonly sockets: number; readonly error: string | undefined }[];
  readonly balancers: readonly BalancerSnapshot[];
  readonly proxyStatus: HandlerScope['proxyStatus'];
  /** Every worker process (one row without WorkerProcesses); the totals above are their sum. */
  readonly processes: readonly ProcessRow[];
}

export const VERSION = 'tsproxyd/0.1.0';

/** mod_proxy's ap_proxy_parse_wstatus order and letters, as the manager shows them ("Init Ok ", "Init Err "). */
function statusText(flags: ReadonlySet<string>): string {
  let s = 'Init ';
  if (flags.has('D')) s += 'Dis ';
  if (flags.has('S')) s += 'Stop ';
  if (flags.has('I')) s += 'Ign ';
  if (flags.has('R')) s += 'Spar ';
  if (flags.has('H')) s += 'Stby ';
  if (flags.has('N')) s += 'Drn ';
  if (flags.has('C')) s += 'HcFl ';
  s += flags.has('E') ? 'Err ' : 'Ok ';
  return s;
}

function schemeHost(url: string): { scheme: string; host: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)/i.exec(url);
  return { scheme: m?.[1]?.toLowerCase() ?? '', host: m?.[2] ?? url };
}

/** This process's own figures, as it reports them to the others. */
export function ownFigures(view: ServerView, now = Date.now()): ProcessFigures {
  const st = view.stats;
  const open = view.openBytes();
  const cpu = process.cpuUsage();
  const busy = view.busy();
  const connections = view.openConnections();
  return {
    pid: process.pid,
    requests: st.requests,
    durationMs: st.durationMs,
    bytesIn: st.closedBytesIn + open.in,
    bytesOut: st.closedBytesOut + open.out,
    connectionsTotal: st.connections,
    tunnelsTotal: st.tunnelsTotal,
    cpuUserSec: cpu.user / 1e6,
    cpuSystemSec: cpu.system / 1e6,
    busy,
    connections,
    idleConnections: Math.max(0, connections - busy - st.tunnelsOpen),
    tunnelsOpen: st.tunnelsOpen,
    at: now,
  };
}

export function takeSnapshot(view: ServerView, scope: HandlerScope): Snapshot {
  const now = Date.now();
  const st = view.stats;
  const [l1, l5, l15] = loadavg();
  const own = ownFigures(view, now);
  const others = view.processes?.others() ?? [];
  const t = view.processes === undefined ? own : sumFigures(own, others, view.processes.retired());
  const row = (p: ProcessFigures, self: boolean): ProcessRow => ({
    pid: p.pid,
    self,
    requests: p.requests,
    busy: p.busy,
    connections: p.connections,
    tunnelsOpen: p.tunnelsOpen,
    ageSec: Math.max(0, Math.round((now - p.at) / 1000)),
  });
  return {
    version: VERSION,
    node: process.version,
    pid: process.pid,
    serverName: scope.serverName,
    now,
    startedAt: st.startedAt,
    generation: st.generation,
    uptimeSec: Math.max(0, Math.floor((now - st.startedAt) / 1000)),
    load: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
    cpuUserSec: t.cpuUserSec,
    cpuSystemSec: t.cpuSystemSec,
    requests: t.requests,
    durationMs: Math.round(t.durationMs),
    bytesIn: t.bytesIn,
    bytesOut: t.bytesOut,
    busy: t.busy,
    connections: t.connections,
    connectionsTotal: t.connectionsTotal,
    idleConnections: t.idleConnections,
    tunnelsOpen: t.tunnelsOpen,
    tunnelsTotal: t.tunnelsTotal,
    stopping: view.stopping(),
    tunnels: st.tunnelRoutes().map(({ backend, path, open }) => ({ backend, path, open })),
    backends: scope.backends.map((b) => ({ key: b.key, sockets: view.poolSockets(b.key), error: view.workerError(b, now) })),
    balancers: scope.balancers().map((b) => {
      const p = b.def.params;
      return {
        name: b.name,
        method: p.lbmethod ?? 'byrequests',
        sticky: p.stickysession ?? '',
        nofailover: p.nofailover ?? false,
        timeoutSec: Math.floor((p.timeoutMs ?? 0) / 1000),
        maxAttempts: b.maxAttempts,
        members: b.members.map((m) => ({
          name: m.name,
          ...schemeHost(m.name),
          route: m.route,
          redirect: m.redirect,
          factor: m.lbfactor / 100,
          lbset: m.lbset,
          status: statusText(m.flags),
          flags: [...m.flags].sort().join(''),
          usable: !(m.flags.has('D') || m.flags.has('S') || m.flags.has('E') || m.flags.has('C')),
          errorFor: m.flags.has('E') && Number.isFinite(m.errorTime) ? Math.max(0, Math.ceil((m.errorTime + m.retryMs - now) / 1000)) : 0,
          load: m.lbstatus,
          elected: m.elected,
          busy: m.busy,
          sent: m.transferred,
          read: m.read,
        })),
      };
    }),
    proxyStatus: scope.proxyStatus,
    processes: [row(own, true), ...[...others].sort((a, b) => a.pid - b.pid).map((p) => row(p, false))],
  };
}
