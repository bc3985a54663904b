// A server under test as a child process in its own process group: started in the foreground, ready when every
// listening port accepts a connection (and, for tsproxyd, when it said so), stopped with SIGTERM to the group
// (SIGKILL after a grace period). Every group still running when the test process exits is killed, so a failing
// or interrupted test leaves no apache2 or tsproxyd behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { commandLine } from './proc.js';

const live = new Set<number>();
let hooked = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const pid of live) killGroup(pid, 'SIGKILL');
      process.exit(130);
    });
  }
}

export interface StartOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Ports that must accept connections before the server counts as up. */
  readonly ports: readonly number[];
  readonly timeoutMs?: number;
  /** Extra readiness condition on the output so far (e.g. tsproxyd's "listening on" lines). */
  readonly readyWhen?: (stderr: string) => boolean;
  /** Text to add to a start failure (e.g. apache's error.log). */
  readonly explain?: () => Promise<string>;
}

export class ServerProcess {
  private stdoutText = '';
  private stderrText = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly command: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.stdoutText += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (this.stderrText += d.toString('utf8')));
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        if (child.pid !== undefined) live.delete(child.pid);
        resolve();
      });
      child.on('error', (e) => {
        this.stderrText += `\n(spawn error: ${e.message})`;
        this.exited ??= { code: null, signal: null };
        resolve();
      });
    });
  }

  get output(): string {
    return (this.stderrText + this.stdoutText).trimEnd();
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  /** Starts the process and waits until it is ready; throws (after stopping it) with its output if it is not. */
  static async start(name: string, opts: StartOptions): Promise<ServerProcess> {
    hookExit();
    const child = spawn(opts.file, [...opts.args], { env: opts.env, cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) live.add(child.pid);
    const server = new ServerProcess(name, child, commandLine(opts.file, opts.args));
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    let why: string | undefined;
    for (;;) {
      if (server.exited) {
        why = `exited (${server.exited.signal ?? `status ${server.exited.code}`}) before it was listening`;
        break;
      }
      if (Date.now() > deadline) {
        why = `was not listening on ${opts.ports.map((p) => `127.0.0.1:${p}`).join(', ')} after ${opts.timeoutMs ?? 10_000} ms`;
        break;
      }
      const said = opts.readyWhen ? opts.readyWhen(server.stderrText) : true;
      if (said && (await allAccept(opts.ports))) return server;
      await new Promise((r) => setTimeout(r, 25));
    }
    await server.stop();
    const extra = opts.explain ? await opts.explain().catch(() => '') : '';
    throw new Error(`${name} ${why}\n  command: ${server.command}\n${indent(server.output || '(no output)')}${extra ? `\n${extra}` : ''}`);
  }

  /** SIGTERM to the process group, SIGKILL after graceMs; resolves when the leader has exited. */
  async stop(graceMs = 3000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exited) return;
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
    // Children of the group (apache's workers without -X) may outlive the leader for a moment.
    killGroup(pid, 'SIGKILL');
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function allAccept(ports: readonly number[]): Promise<boolean> {
  for (const p of ports) if (!(await accepts(p))) return false;
  return true;
}

/** The ports of the `Listen` directives in a rendered config ("Listen 127.0.0.1:8080", "Listen 8080 http"). */
export function listenPorts(config: string): number[] {
  const ports = new Set<number>();
  for (const m of config.matchAll(/^\s*Listen\s+(?:\S*:)?(\d+)\b/gim)) ports.add(Number(m[1]));
  return [...ports];
}
