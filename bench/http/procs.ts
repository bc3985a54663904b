// The processes a benchmark starts (backend, proxies): started with their output in a log file, stopped with their
// workers, all killed when the benchmark exits or is interrupted. Shared by bench/http and bench/ws.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { treePids } from './procstat.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const children: ChildProcess[] = [];

/** Starts cmd with stdout and stderr appended to logDir/name.log. */
export function start(name: string, cmd: string, args: string[], logDir: string, cwd?: string): ChildProcess {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', log, log], ...(cwd ? { cwd } : {}) });
  closeSync(log);
  child.on('error', () => undefined);
  children.push(child);
  return child;
}

/** The last lines of logDir/name.log, on one line, for a report. */
export function logTail(logDir: string, name: string, lines = 3): string {
  try {
    return readFileSync(join(logDir, `${name}.log`), 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

export const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * Stops a target: the signal to its main process (apache2's and nginx's masters stop their own workers), SIGKILL
 * after 8 s, and then SIGKILL to any of its workers still alive, so that none is left orphaned.
 */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (exited(child) || child.pid === undefined) return;
  const workers = treePids(child.pid).slice(1);
  let exe = '';
  try {
    exe = readlinkSync(`/proc/${child.pid}/exe`);
  } catch {
    // gone already
  }
  const gone = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 8000);
  await gone;
  clearTimeout(t);
  await sleep(200);
  for (const pid of workers) {
    try {
      // Only a pid that is still one of this target's workers (same executable), never a recycled one.
      if (exe && readlinkSync(`/proc/${pid}/exe`) === exe) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function killAllNow(): void {
  for (const c of children) if (!exited(c) && c.pid) {
    try {
      process.kill(c.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAllNow();
    process.exit(130);
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Runs a benchmark's main: its result is the exit code; a throw is printed (tagged) and exits 1; all started processes are killed. */
export function runMain(tag: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${tag}: ${(err as Error).stack ?? String(err)}\n`);
      killAllNow();
      process.exitCode = 1;
    },
  );
}
