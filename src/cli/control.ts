// `tsproxyd -k start|stop|restart|graceful|graceful-stop -f FILE`: apachectl's verbs, through the PidFile of the
// configuration. The signals are the ones the foreground server handles (src/cli/serve.ts):
//   graceful, restart  SIGUSR1, SIGHUP   reload the configuration; open connections and tunnels are kept
//   stop               SIGTERM            stop accepting, finish requests, close tunnels after the drain timeout
//   graceful-stop      SIGWINCH           the same, waiting GracefulShutdownTimeout (0: as long as it takes)
// httpd's `restart` drops its children's connections; tsproxyd's is as gentle as `graceful` (nothing is lost).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningPid } from './pid-file.js';

export const CONTROL_SIGNALS: Readonly<Record<string, NodeJS.Signals>> = {
  stop: 'SIGTERM',
  'graceful-stop': 'SIGWINCH',
  graceful: 'SIGUSR1',
  restart: 'SIGHUP',
};

export const CONTROL_VERBS = ['start', ...Object.keys(CONTROL_SIGNALS)] as const;

export interface ControlIo {
  readonly out: (line: string) => void;
  /** The arguments to start a foreground server with (the same -f, -d and -D). */
  readonly serveArgs: readonly string[];
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

/** Starts a detached server and waits until its pid file names it (or it exits). */
async function start(pidFile: string, io: ControlIo): Promise<number> {
  const running = runningPid(pidFile);
  if (running !== undefined) {
    io.out(`tsproxyd (pid ${running}) already running`);
    return 0;
  }
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...io.serveArgs], { detached: true, stdio: 'ignore' });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const up = await waitFor(() => exited !== undefined || runningPid(pidFile) === child.pid, 10_000);
  if (!up || exited !== undefined) {
    io.out(`tsproxyd did not start${exited !== undefined ? ` (exit code ${exited})` : ''}: run it in the foreground (tsproxyd ${io.serveArgs.join(' ')}) to see why`);
    return 1;
  }
  return 0;
}

export async function control(verb: string, pidFile: string | undefined, io: ControlIo): Promise<number> {
  if (pidFile === undefined) {
    io.out(`-k ${verb} needs a PidFile directive in the configuration (that is how tsproxyd finds the running server)`);
    return 1;
  }
  if (verb === 'start') return start(pidFile, io);
  const signal = CONTROL_SIGNALS[verb];
  if (signal === undefined) {
    io.out(`-k ${verb}: unknown; use one of ${CONTROL_VERBS.join(', ')}`);
    return 1;
  }
  const pid = runningPid(pidFile);
  if (pid === undefined) {
    if (verb === 'graceful' || verb === 'restart') return start(pidFile, io); // as apachectl: not running → start
    io.out(`tsproxyd (no pid file ${pidFile}, or its process is gone) not running`);
    return 1;
  }
  process.kill(pid, signal);
  if (verb === 'stop' || verb === 'graceful-stop') {
    // apachectl returns at once; waiting (bounded) lets scripts rely on the server being gone.
    if (!(await waitFor(() => runningPid(pidFile) === undefined, 30_000))) io.out(`tsproxyd (pid ${pid}) is still stopping`);
  }
  return 0;
}
