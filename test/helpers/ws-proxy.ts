// tsproxyd as users run it: `node dist/src/cli/main.js -f FILE` in its own process, on a config file written for
// the test (a `Listen 127.0.0.1:PORT` line is put first). Its memory is measurable from outside (/proc/PID/status)
// and a crash shows as an exit. Every child started here is killed when the test process exits, whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { makeConfDir, type ConfDir } from './conf-dir.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const children = new Set<ChildProcess>();
let confDir: ConfDir | undefined;
function cleanUp(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  confDir?.remove();
  confDir = undefined;
}
process.on('exit', cleanUp);
// The test runner ends a file that runs past its timeout with a signal: 'exit' would not run.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => {
    cleanUp();
    process.kill(process.pid, sig);
  });
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export interface TsproxydChild {
  readonly port: number;
  readonly pid: number;
  readonly confFile: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** The process has not exited. */
  alive(): boolean;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** VmRSS in bytes. */
  rss(): number;
  /** VmHWM (peak RSS since start or the last resetPeak()) in bytes. */
  peakRss(): number;
  /** Resets VmHWM (echo 5 > /proc/PID/clear_refs); false if the kernel refused. */
  resetPeak(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
}

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Checks a config with `tsproxyd -t`: exit code and stderr. */
export function checkConfig(body: string): Promise<{ code: number | null; stderr: string }> {
  confDir ??= makeConfDir('tsproxyd-ws-');
  const file = confDir.write(`check-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.conf`, body);
  const child = spawn(process.execPath, [CLI, '-t', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((r) => child.on('close', (code) => r({ code, stderr: err })));
}

/**
 * Starts `tsproxyd -f FILE` where FILE is `Listen 127.0.0.1:PORT` followed by `body(PORT)`; resolves once it
 * printed "listening on". A port taken meanwhile by someone else is retried with another.
 */
export async function startTsproxyd(body: (port: number) => string, opts: { readyTimeoutMs?: number } = {}): Promise<TsproxydChild> {
  confDir ??= makeConfDir('tsproxyd-ws-');
  let lastErr = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const file = confDir.write(`tsproxyd-${port}.conf`, `Listen 127.0.0.1:${port}\n${body(port)}\n`);
    const child = spawn(process.execPath, [CLI, '-X', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | string>((r) =>
      child.on('exit', (code, signal) => {
        children.delete(child);
        r(code ?? signal ?? 'unknown');
      }),
    );
    const ready = await Promise.race([
      exited.then(() => false),
      (async () => {
        const t0 = Date.now();
        while (!err.includes(`listening on 127.0.0.1:${port}`)) {
          if (Date.now() - t0 > (opts.readyTimeoutMs ?? 10_000) || child.exitCode !== null) return false;
          await new Promise((r) => setTimeout(r, 20));
        }
        return true;
      })(),
    ]);
    if (!ready) {
      child.kill('SIGKILL');
      await exited;
      lastErr = err;
      if (/Address already in use/.test(err)) continue;
      throw new Error(`tsproxyd did not start on ${file}:\n${readFileSync(file, 'utf8')}\nstderr:\n${err}`);
    }
    const pid = child.pid!;
    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    return {
      port,
      pid,
      confFile: file,
      stderr: () => err,
      alive,
      exited,
      rss: () => procStatus(pid, 'VmRSS'),
      peakRss: () => procStatus(pid, 'VmHWM'),
      resetPeak() {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5');
          return true;
        } catch {
          return false;
        }
      },
      async stop(graceMs = 5000) {
        if (!alive()) return exited;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(t);
        return code;
      },
    };
  }
  throw new Error(`tsproxyd could not bind a free port in 5 attempts:\n${lastErr}`);
}
