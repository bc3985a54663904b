// The foreground server's life (`tsproxyd -f FILE`): start, reload on SIGHUP/SIGUSR1, stop gracefully on
// SIGTERM/SIGINT/SIGWINCH, and the PidFile. One configuration load ("Loaded") is everything a config makes: the
// plan, its logs, its RewriteMap programs and the server options built from them. A reload loads and checks the
// file again and swaps only when every part of the new one is usable; otherwise every error is logged and the old
// one keeps serving.
import cluster from 'node:cluster';
import { loadConfig, type LoadOptions } from '../config/load.js';
import type { ConfigModel } from '../config/types.js';
import type { CoreServerConf } from '../modules/core/types.js';
import { serverRootRelative } from '../modules/shared/files.js';
import { compilePlan } from '../route/compile.js';
import { route } from '../route/route.js';
import type { RequestFacts } from '../route/types.js';
import { planPrograms, PrgPrograms } from '../rewrite/prg.js';
import { limitsFromConfig } from '../server/limits-from-config.js';
import { createProxyServer, type ProxyServerOptions } from '../server/server.js';
import { listenerTls } from '../tls/listener.js';
import { openServerLogs, type ErrorLog } from '../log/open.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { formatDiagnostic } from './format.js';

/** SIGTERM/SIGINT without a GracefulShutdownTimeout: how long tunnels may stay before they are closed. */
export const DEFAULT_STOP_GRACE_MS = 10_000;
/** Old RewriteMap programs outlive a reload this long, for requests still waiting on their answers. */
const PROGRAM_LINGER_MS = 10_000;

interface Loaded {
  readonly model: ConfigModel;
  readonly options: ProxyServerOptions;
  readonly log: (line: string) => void;
  readonly errorLog: ErrorLog;
  readonly programs: PrgPrograms;
}

const core = (m: ConfigModel) => m.main.confs.get('core') as CoreServerConf | undefined;

/** Everything one configuration makes, or why it cannot be used. `log`: the server's log, for the reload case. */
function build(model: ConfigModel, log: (line: string) => void): Loaded | { readonly error: string } {
  const plan = compilePlan(model);
  // Logs: ErrorLog (stderr without one) behind LogLevel, and the access logs, opened once per load.
  const logs = openServerLogs(model, plan);
  if (!logs.ok) return { error: logs.error };
  // RewriteMap prg: programs run as long as their configuration (httpd starts them in its post_config phase).
  const programs = new PrgPrograms(planPrograms(plan), logs.log);
  programs.start();
  const routeOne = (facts: RequestFacts) => route(plan, facts);
  const options: ProxyServerOptions = {
    plan,
    route: programs.size === 0 ? routeOne : (facts) => programs.route(routeOne, facts),
    limits: limitsFromConfig(model),
    log,
    accessLogs: logs.accessLogs, // closed (flushed) by the server when its configuration retires
    listenerTls: (host, port) => listenerTls(plan, host, port),
  };
  return { model, options, log: logs.log, errorLog: logs.errorLog, programs };
}

async function discard(l: Loaded): Promise<void> {
  await l.options.accessLogs?.close();
  await l.programs.close();
  await l.errorLog.close();
}

export async function serve(model: ConfigModel, loadOptions: LoadOptions): Promise<number> {
  // The server logs through `current`, so that a reload's new ErrorLog takes over.
  let current: Loaded;
  const log = (line: string) => current.log(line);
  const first = build(model, log);
  if ('error' in first) {
    process.stderr.write(`tsproxyd: ${first.error}\n`);
    return 1;
  }
  current = first;
  const server = createProxyServer(current.options);
  let addrs;
  try {
    addrs = await server.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const where = e.address !== undefined ? `${e.address}:${e.port ?? ''}` : '';
    process.stderr.write(`tsproxyd: ${e.code === 'EADDRINUSE' ? `could not bind to address ${where}: Address already in use` : e.message}\n`);
    process.stderr.write('tsproxyd: no listening sockets available, shutting down\n');
    await server.close();
    await current.programs.close();
    await current.errorLog.close();
    return 1;
  }
  for (const a of addrs) process.stderr.write(`tsproxyd: listening on ${a.text}\n`);
  const pidFileOf = (m: ConfigModel) => {
    const p = core(m)?.pidFile;
    return p === undefined ? undefined : serverRootRelative(m.serverRoot, p);
  };
  // With WorkerProcesses, the primary (src/cli/workers.ts) owns the PidFile and sends the signals.
  let pidFile = cluster.isWorker ? undefined : pidFileOf(model);
  if (pidFile !== undefined) {
    const err = writePidFile(pidFile);
    if (err !== undefined) log(`[core:error] ${err}`);
  }

  // Reloads run one at a time; a signal during one asks for one more after it.
  let reloading: Promise<void> | undefined;
  let again = false;
  const reload = async (why: string): Promise<void> => {
    log(`[core:notice] ${why}: reloading ${loadOptions.file}`);
    const result = loadConfig(loadOptions);
    if (result.errors > 0) {
      for (const d of result.diagnostics) if (d.severity === 'error') log(`[core:error] reload refused: ${formatDiagnostic(d, result.sources).split('\n')[0]}`);
      log(`[core:error] reload refused: ${result.errors} configuration error${result.errors > 1 ? 's' : ''}; still serving the previous configuration`);
      return;
    }
    const next = build(result.model, log);
    if ('error' in next) {
      log(`[core:error] reload refused: ${next.error}; still serving the previous configuration`);
      return;
    }
    const r = await server.reload(next.options);
    if (!r.ok) {
      for (const e of r.errors) log(`[core:error] reload refused: ${e}`);
      log('[core:error] reload refused; still serving the previous configuration');
      await discard(next);
      return;
    }
    const old = current;
    current = next;
    for (const w of r.warnings) log(`[core:warn] ${w}`);
    log(`[core:notice] reloaded: listening on ${r.addresses.map((a) => a.text).join(', ')}`);
    const nextPid = cluster.isWorker ? undefined : pidFileOf(next.model);
    if (nextPid !== pidFile) {
      if (pidFile !== undefined) removePidFile(pidFile);
      if (nextPid !== undefined) {
        const err = writePidFile(nextPid);
        if (err !== undefined) log(`[core:error] ${err}`);
      }
      pidFile = nextPid;
    }
    setTimeout(() => void old.programs.close(), PROGRAM_LINGER_MS).unref();
    await old.errorLog.close();
  };
  const requestReload = (why: string): void => {
    if (reloading !== undefined) {
      again = true;
      return;
    }
    reloading = (async () => {
      do {
        again = false;
        await reload(why).catch((err: unknown) => log(`[core:error] reload failed: ${(err as Error).stack ?? String(err)}`));
      } while (again);
      reloading = undefined;
    })();
  };
  const onHup = () => requestReload('SIGHUP');
  const onUsr1 = () => requestReload('SIGUSR1');
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);

  // A worker stops when its primary says so: Ctrl-C reaches the whole process group, and the primary passes it on.
  const ignoreInt = () => undefined;
  if (cluster.isWorker) {
    process.on('SIGINT', ignoreInt);
    // A primary that is gone (killed) leaves no one to stop this worker: it stops by itself, gracefully.
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  const graceMs = await new Promise<number>((resolve) => {
    const configured = () => core(current.model)?.gracefulShutdownTimeoutMs ?? 0;
    process.once('SIGTERM', () => resolve(configured() || DEFAULT_STOP_GRACE_MS));
    if (!cluster.isWorker) process.once('SIGINT', () => resolve(configured() || DEFAULT_STOP_GRACE_MS));
    // httpd's graceful-stop: GracefulShutdownTimeout, 0 meaning as long as requests and tunnels last.
    process.once('SIGWINCH', () => resolve(configured()));
  });
  process.off('SIGHUP', onHup);
  process.off('SIGUSR1', onUsr1);
  log(`[core:notice] stopping: no new connections; open tunnels have ${graceMs > 0 ? `${graceMs / 1000} s` : 'as long as they need'}`);
  // A second SIGINT/SIGTERM while draining stops at once.
  const now = () => void server.close();
  if (!cluster.isWorker) process.once('SIGINT', now);
  process.once('SIGTERM', now);
  await reloading;
  await server.shutdown(graceMs);
  await current.programs.close();
  if (pidFile !== undefined) removePidFile(pidFile);
  await current.errorLog.close();
  return 0;
}
