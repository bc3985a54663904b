// The foreground server's life (`tsproxyd -f FILE`): start, reload on SIGHUP/SIGUSR1, stop gracefully on
// SIGTERM/SIGINT/SIGWINCH, and the PidFile. One configuration load (a Configuration, src/server/configuration.ts) is
// everything a config makes: the plan, its logs, its RewriteMap programs and the server options built from them. A reload loads and checks the
// file again and swaps only when every part of the new one is usable; otherwise every error is logged and the old
// one keeps serving.
import cluster from 'node:cluster';
import { loadConfig, type LoadOptions } from '../config/load.js';
import type { ConfigModel } from '../config/types.js';
import type { CoreServerConf } from '../modules/core/types.js';
import { serverRootRelative } from '../modules/shared/files.js';
import { buildConfiguration, discardConfiguration, retireConfiguration, stopConfiguration, type Configuration } from '../server/configuration.js';
import { createProxyServer } from '../server/server.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { formatDiagnostic } from './format.js';

/** SIGTERM/SIGINT without a GracefulShutdownTimeout: how long tunnels may stay before they are closed. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

const core = (m: ConfigModel) => m.main.confs.get('core') as CoreServerConf | undefined;

export async function serve(model: ConfigModel, loadOptions: LoadOptions): Promise<number> {
  // The server logs through `current`, so that a reload's new ErrorLog takes over.
  let current: Configuration;
  const log = (line: string) => current.log(line);
  const first = buildConfiguration(model, log);
  if ('error' in first) {
    process.stderr.write(`tsproxyd: ${first.error}\n`);
    return 1;
  }
  current = first;
  const server = createProxyServer(current.options);
  // Reload signals are caught from the start: a SIGHUP before a handler exists would kill the process (systemd's
  // reload right after start). One that comes before the server listens is served once it does.
  let earlyReload: string | undefined;
  let requestReload: (why: string) => void = (why) => void (earlyReload = why);
  const onHup = () => requestReload('SIGHUP');
  const onUsr1 = () => requestReload('SIGUSR1');
  process.on('SIGHUP', onHup);
  process.on('SIGUSR1', onUsr1);
  let addrs;
  try {
    addrs = await server.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const where = e.address !== undefined ? `${e.address}:${e.port ?? ''}` : '';
    process.stderr.write(`tsproxyd: ${e.code === 'EADDRINUSE' ? `could not bind to address ${where}: Address already in use` : e.message}\n`);
    process.stderr.write('tsproxyd: no listening sockets available, shutting down\n');
    process.off('SIGHUP', onHup);
    process.off('SIGUSR1', onUsr1);
    await server.close();
    await stopConfiguration(current);
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
    const next = buildConfiguration(result.model, log);
    if ('error' in next) {
      log(`[core:error] reload refused: ${next.error}; still serving the previous configuration`);
      return;
    }
    const r = await server.reload(next.options);
    if (!r.ok) {
      for (const e of r.errors) log(`[core:error] reload refused: ${e}`);
      log('[core:error] reload refused; still serving the previous configuration');
      await discardConfiguration(next);
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
    await retireConfiguration(old);
  };
  requestReload = (why: string): void => {
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
  if (earlyReload !== undefined) requestReload(earlyReload);

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
  if (pidFile !== undefined) removePidFile(pidFile);
  await stopConfiguration(current);
  return 0;
}
