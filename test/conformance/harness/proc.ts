// Runs one child process with a deadline and collects its output. Both servers' runners use this, so a hung
// apache2 or tsproxyd turns into a failed case instead of a hung suite.
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  readonly cwd?: string;
  /** Output beyond this many bytes per stream is dropped (an include loop makes apache2 print ~100 KB). */
  readonly maxBytes?: number;
}

export interface RunResult {
  readonly file: string;
  readonly args: readonly string[];
  /** null when the process was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  readonly spawnError?: Error;
}

export function run(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const maxBytes = opts.maxBytes ?? 1 << 20;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let spawnError: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < maxBytes) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < maxBytes) err.push(chunk);
      errBytes += chunk.length;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        file,
        args,
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Date.now() - started,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

/** The environment both servers get: nothing from the developer's shell except PATH, so `${VAR}` lookups agree. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C', ...extra };
}

/** Shell-like rendering of a command line, for failure messages. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
