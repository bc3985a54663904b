// WorkerProcesses: the primary process forks N workers (node:cluster) that each load the configuration and serve
// the same listeners; the kernel spreads connections over them (SCHED_NONE: every worker accepts on the shared
// socket, no hand-off through the primary). The primary keeps no request state (only the figures the status pages
// add up, src/status/processes.ts): it writes the PidFile, checks the
// configuration before passing a reload on (so an invalid one is reported once and no worker sees it), passes
// stop signals on, and replaces a worker that dies. Per-process state stays per worker: connection pools, a
// backend's error state after `retry`, balancer counters, RewriteMap programs, piped loggers (one per worker).
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { loadConfig, type LoadOptions } from '../config/load.js';
import type { ConfigModel } from '../config/types.js';
import type { CoreServerConf } from '../modules/core/types.js';
import { serverRootRelative } from '../modules/shared/files.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { collectProcessFigures } from '../status/processes.js';

/** How many workers a configuration asks for (0 or unset: one per core). */
export function workerCount(model: ConfigModel): number {
  const n = (model.main.confs.get('core') as CoreServerConf | undefined)?.workers ?? 0;
  return n > 0 ? n : availableParallelism();
}

const say = (line: string) => process.stderr.write(`tsproxyd: ${line}\n`);

export async function servePrimary(model: ConfigModel, loadOptions: LoadOptions, count: number): Promise<number> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ silent: false });
  let stopping = false;
  const pidOf = (m: ConfigModel) => {
    const p = (m.main.confs.get('core') as CoreServerConf | undefined)?.pidFile;
    return p === undefined ? undefined : serverRootRelative(m.serverRoot, p);
  };
  let pidFile = pidOf(model);
  let wanted = count;
  const deaths: number[] = [];
  let failed = false;
  const listening = new WeakSet<Worker>();
  // A reload signal for a worker still starting waits until it listens: before its handlers are installed a SIGHUP
  // would kill it (and a worker that dies before listening stops the server).
  const reloadLater = new Map<Worker, NodeJS.Signals>();
  cluster.on('listening', (w) => {
    listening.add(w);
    const signal = reloadLater.get(w);
    reloadLater.delete(w);
    if (signal !== undefined && !w.isDead()) w.process.kill(signal);
  });

  const fork = (): Worker => {
    const w = cluster.fork({ TSPROXYD_WORKER: '1' });
    w.on('exit', (code, signal) => {
      if (stopping) return;
      // A worker that exits before it ever listened (a port in use, a bad certificate file) would fail again.
      if (!listening.has(w)) {
        failed = true;
        say(`worker ${w.process.pid} exited (${signal ?? code}) before listening; shutting down`);
        void stop('SIGTERM');
        return;
      }
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && deaths[0]! < now - 10_000) deaths.shift();
      say(`worker ${w.process.pid} exited (${signal ?? `code ${code}`}); starting a new one`);
      // Several deaths in a row: wait a little before the next one rather than spin.
      setTimeout(() => {
        if (!stopping) fork();
      }, deaths.length > 3 ? 1000 : 0);
    });
    return w;
  };

  const stopCollecting = collectProcessFigures(); // the status pages' per-process figures
  for (let i = 0; i < wanted; i++) fork();
  if (pidFile !== undefined) {
    const err = writePidFile(pidFile);
    if (err !== undefined) say(err);
  }

  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  const onReload = (signal: NodeJS.Signals) => {
    const result = loadConfig(loadOptions);
    if (result.errors > 0) {
      say(`[core:error] ${signal}: reload refused: the configuration has ${result.errors} error${result.errors > 1 ? 's' : ''} (see tsproxyd -t -f ${loadOptions.file}); still serving the previous configuration`);
      return;
    }
    for (const w of workers()) {
      if (listening.has(w)) w.process.kill(signal);
      else reloadLater.set(w, signal);
    }
    const next = pidOf(result.model);
    if (next !== pidFile) {
      if (pidFile !== undefined) removePidFile(pidFile);
      if (next !== undefined) writePidFile(next);
      pidFile = next;
    }
    wanted = workerCount(result.model);
    const have = workers().length;
    for (let i = have; i < wanted; i++) fork();
    for (const w of workers().slice(wanted)) w.process.kill('SIGTERM'); // fewer workers: the surplus drain and stop
  };
  process.on('SIGHUP', () => onReload('SIGHUP'));
  process.on('SIGUSR1', () => onReload('SIGUSR1'));

  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (done = r));
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      for (const w of workers()) w.process.kill('SIGKILL'); // a second stop signal: at once
      return;
    }
    stopping = true;
    // Workers ignore SIGINT (a terminal's Ctrl-C reaches them too): they are told SIGTERM.
    for (const w of workers()) w.process.kill(signal === 'SIGINT' ? 'SIGTERM' : signal);
    while (workers().length > 0) await new Promise((r) => setTimeout(r, 50));
    stopCollecting();
    if (pidFile !== undefined) removePidFile(pidFile);
    done(failed ? 1 : 0);
  };
  for (const s of ['SIGTERM', 'SIGINT', 'SIGWINCH'] as const) process.on(s, () => void stop(s));
  return finished;
}
