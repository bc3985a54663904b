// The four scenarios of `npm run bench:ws` (five rows: bulk through 1 and through 4 tunnels), each measured on one
// target: the load from bench/ws/load.ts, the target's CPU and memory from /proc around the measured window.
import { treeCpuSeconds, treeSize } from '../http/procstat.js';
import { sleep } from '../http/procs.js';
import { r1 } from '../http/report.js';
import { BULK_MESSAGE_BYTES } from './backend.js';
import { bulkLoad, ECHO_PAYLOAD_BYTES, echoSession, handshakeLoad, openIdle } from './load.js';
import { treePssKiB, treeRssKiB } from './procmem.js';

export interface Settings {
  /** seconds of unmeasured load before the measured window (bulk, handshakes) */
  readonly warmupS: number;
  /** seconds measured (bulk, handshakes) */
  readonly durationS: number;
  /** measured echo round trips (a tenth as many, at least 200, go first unmeasured) */
  readonly echoRounds: number;
  /** concurrent clients of the handshake load */
  readonly hsConcurrency: number;
  /** idle tunnels held open at once */
  readonly idleTunnels: number;
}

/** What a scenario measures on: the target's port, the pid whose tree is "the target" (the backend for direct). */
export interface Ctx {
  readonly port: number;
  readonly pid: number;
  readonly backendPid: number;
}

export interface Outcome {
  readonly ok: boolean;
  readonly error?: string;
  /** the scenario's headline figure, in Scenario.unit */
  readonly value?: number;
  /** the other figures, by name (see Scenario.figures) */
  readonly figures?: Record<string, number>;
}

export interface Column {
  readonly key: string;
  readonly label: string;
}

/** The CPU shares over the measured window (openWindow), shown for every timed scenario. */
const SHARES: readonly Column[] = [
  { key: 'cpuPct', label: 'CPU %' },
  { key: 'backendCpuPct', label: 'backend CPU %' },
  { key: 'clientCpuPct', label: 'client CPU %' },
  { key: 'processes', label: 'procs' },
];

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** the load, for the report */
  readonly load: (s: Settings) => string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** the figures shown beside the headline, by key of Outcome.figures */
  readonly columns: readonly Column[];
  run(ctx: Ctx, s: Settings): Promise<Outcome>;
}

const MiB = 1 << 20;
const GiB = 1 << 30;

/** CPU seconds of the target tree, the backend tree and this process (the load generator) over a window. */
function openWindow(ctx: Ctx) {
  const c0 = treeCpuSeconds(ctx.pid);
  const b0 = treeCpuSeconds(ctx.backendPid);
  const u0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return () => {
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const u = process.cpuUsage(u0);
    const cpu = treeCpuSeconds(ctx.pid) - c0;
    const backendCpu = treeCpuSeconds(ctx.backendPid) - b0;
    const clientCpu = (u.user + u.system) / 1e6;
    return {
      wall,
      cpu,
      shares: {
        cpuPct: Math.round((cpu / wall) * 100),
        backendCpuPct: Math.round((backendCpu / wall) * 100),
        clientCpuPct: Math.round((clientCpu / wall) * 100),
        processes: treeSize(ctx.pid),
      },
    };
  };
}

const fail = (e: unknown): Outcome => ({ ok: false, error: (e as Error).message ?? String(e) });

function bulk(tunnels: number): Scenario {
  return {
    id: `bulk-${tunnels}`,
    title: `bulk tunnel throughput, ${tunnels} tunnel${tunnels > 1 ? 's' : ''}`,
    load: (s) =>
      `${tunnels} WebSocket${tunnels > 1 ? 's' : ''} to /ws/bulk; the backend streams 1 MiB binary messages as fast as the tunnel takes them; ` +
      `${s.warmupS} s warm-up, ${s.durationS} s measured`,
    unit: 'MiB/s',
    better: 'higher',
    columns: [{ key: 'cpuMsPerGiB', label: 'CPU ms/GiB' }, ...SHARES],
    async run(ctx, s) {
      let load;
      try {
        load = await bulkLoad(ctx.port, tunnels);
      } catch (e) {
        return fail(e);
      }
      try {
        await sleep(s.warmupS * 1000);
        const b0 = load.bytes;
        const close = openWindow(ctx);
        await sleep(s.durationS * 1000);
        const w = close();
        const bytes = load.bytes - b0;
        if (load.closedEarly) return { ok: false, error: `${load.closedEarly} of ${tunnels} tunnels closed during the run` };
        if (bytes < BULK_MESSAGE_BYTES) return { ok: false, error: `${bytes} bytes in ${s.durationS} s` };
        return {
          ok: true,
          value: r1(bytes / MiB / w.wall),
          figures: { cpuMsPerGiB: r1((w.cpu * 1000) / (bytes / GiB)), ...w.shares },
        };
      } finally {
        load.stop();
      }
    },
  };
}

const echo: Scenario = {
  id: 'echo',
  title: `small-message echo round trip`,
  load: (s) =>
    `one WebSocket to /ws/echo; a ${ECHO_PAYLOAD_BYTES}-byte binary message sent, its echo awaited, ${s.echoRounds} times in a row ` +
    `(after ${Math.max(200, Math.round(s.echoRounds / 10))} unmeasured)`,
  unit: 'p50 µs',
  better: 'lower',
  columns: [
    { key: 'p99Us', label: 'p99 µs' },
    { key: 'meanUs', label: 'mean µs' },
    { key: 'roundTripsPerS', label: 'round trips/s' },
    { key: 'cpuUsPerRoundTrip', label: 'CPU µs/round trip' },
    ...SHARES,
  ],
  async run(ctx, s) {
    let session;
    try {
      session = await echoSession(ctx.port);
    } catch (e) {
      return fail(e);
    }
    try {
      await session.roundTrips(Math.max(200, Math.round(s.echoRounds / 10)));
      const close = openWindow(ctx);
      const lat = (await session.roundTrips(s.echoRounds)).sort();
      const w = close();
      const at = (q: number) => r1(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!);
      return {
        ok: true,
        value: at(0.5),
        figures: {
          p99Us: at(0.99),
          meanUs: r1(lat.reduce((a, b) => a + b, 0) / lat.length),
          roundTripsPerS: Math.round(s.echoRounds / w.wall),
          cpuUsPerRoundTrip: r1((w.cpu * 1e6) / s.echoRounds),
          ...w.shares,
        },
      };
    } catch (e) {
      return fail(e);
    } finally {
      session.close();
    }
  },
};

const handshakes: Scenario = {
  id: 'handshake',
  title: 'WebSocket handshakes per second',
  load: (s) =>
    `${s.hsConcurrency} clients, each in a loop: connect, upgrade to /ws/hs, send a close frame, wait for the server's close ` +
    `(a connection per handshake); ${s.warmupS} s warm-up, ${s.durationS} s measured`,
  unit: 'handshakes/s',
  better: 'higher',
  columns: [{ key: 'cpuUsPerHandshake', label: 'CPU µs/handshake' }, { key: 'failed', label: 'failed' }, ...SHARES],
  async run(ctx, s) {
    const load = handshakeLoad(ctx.port, s.hsConcurrency);
    try {
      await sleep(s.warmupS * 1000);
      const d0 = load.done;
      const f0 = load.failed;
      const close = openWindow(ctx);
      await sleep(s.durationS * 1000);
      const w = close();
      const done = load.done - d0;
      const failed = load.failed - f0;
      // A proxy refusing a few connections under a burst is noted; more than 1% is not a measurement.
      if (done === 0 || failed > done * 0.01) return { ok: false, error: `${done} handshakes, ${failed} failed (last: ${load.lastError ?? '?'})` };
      return {
        ok: true,
        value: Math.round(done / w.wall),
        figures: { cpuUsPerHandshake: r1((w.cpu * 1e6) / done), failed, ...w.shares },
      };
    } finally {
      load.stop();
    }
  },
};

const idle: Scenario = {
  id: 'idle',
  title: 'memory per idle tunnel',
  load: (s) =>
    `${s.idleTunnels} WebSockets to /ws/idle opened (64 handshakes at a time) and held idle; the target's process tree's ` +
    'memory before and 1 s after, divided by the tunnels: PSS (Pss of /proc/PID/smaps_rollup, shared pages divided among the processes that map them) ' +
    'summed over the tree is the headline, RSS (VmRSS) summed beside it; a fresh target, warmed by 100 tunnels opened and closed',
  unit: 'KiB/tunnel',
  better: 'lower',
  columns: [
    { key: 'rssKiBPerTunnel', label: 'RSS KiB/tunnel' },
    { key: 'pssBeforeMiB', label: 'PSS before MiB' },
    { key: 'pssAfterMiB', label: 'PSS after MiB' },
    { key: 'openS', label: 'open s' },
    { key: 'processes', label: 'procs' },
  ],
  async run(ctx, s) {
    try {
      const warm = await openIdle(ctx.port, 100, 64, 30_000);
      warm.closeAll();
      if (warm.opened < 100) return { ok: false, error: `warm-up: ${warm.opened} of 100 tunnels (last error: ${warm.lastError ?? '?'})` };
      await sleep(1000);
      const pss0 = treePssKiB(ctx.pid);
      const rss0 = treeRssKiB(ctx.pid);
      const t0 = Date.now();
      const held = await openIdle(ctx.port, s.idleTunnels, 64, 90_000);
      const openS = (Date.now() - t0) / 1000;
      try {
        await sleep(1000);
        const pss1 = treePssKiB(ctx.pid);
        const rss1 = treeRssKiB(ctx.pid);
        const processes = treeSize(ctx.pid);
        if (held.opened < s.idleTunnels || held.closedEarly) {
          return {
            ok: false,
            error: `${held.opened} of ${s.idleTunnels} tunnels opened in ${openS.toFixed(1)} s, ${held.closedEarly} closed early (last error: ${held.lastError ?? 'none'})`,
          };
        }
        return {
          ok: true,
          value: r1((pss1 - pss0) / held.opened),
          figures: { rssKiBPerTunnel: r1((rss1 - rss0) / held.opened), pssBeforeMiB: r1(pss0 / 1024), pssAfterMiB: r1(pss1 / 1024), openS: r1(openS), processes },
        };
      } finally {
        held.closeAll();
        await sleep(500);
      }
    } catch (e) {
      return fail(e);
    }
  },
};

/** In issue #4's order. Each scenario gets every target fresh from start (bench/ws/run.ts). */
export const SCENARIOS: readonly Scenario[] = [bulk(1), bulk(4), echo, handshakes, idle];
