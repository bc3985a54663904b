// Where log lines go: a file opened for appending, or a piped logger program ("|cmd" through /bin/sh, "||cmd"
// directly). Writing never blocks the event loop: lines go into a Writable (fs.WriteStream, a child's stdin) that
// the thread pool or the pipe drains. When the target is slower than the traffic, up to `maxQueuedBytes` wait in
// memory; beyond that a line is dropped and counted, and the count is reported on the error log (at most once a
// second). While a piped logger restarts, or a file is reopened, lines wait in the same bounded queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, createWriteStream, open, openSync, type WriteStream } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { LogTarget } from '../modules/log/format.js';

export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** A piped logger that dies is started again, but not more often than this. */
const RESTART_DELAY_MS = 1000;
const PIPE_CLOSE_GRACE_MS = 5000;

export interface SinkOptions {
  /** Error-log lines about the sink itself ("[log_config:error] …"). */
  readonly report: (line: string) => void;
  readonly maxQueuedBytes?: number;
  /** A piped logger still running this long after close() ended its stdin gets SIGTERM (default 5 s). */
  readonly pipeCloseGraceMs?: number;
}

export interface LogSink {
  readonly name: string;
  /** Queues one line (with its newline). */
  write(line: string): void;
  /** Lines dropped because the queue was full, since the start. */
  readonly dropped: number;
  /** Opens the file again (log rotation) or restarts nothing (pipes keep running); queued lines are kept. */
  reopen(): Promise<void>;
  /** Writes everything queued, then closes; resolves when it is all written (a pipe: when the program exited). */
  close(): Promise<void>;
}

/** The identity of a target: two CustomLog lines naming the same file or command share one sink. */
export function targetKey(t: LogTarget): string {
  switch (t.kind) {
    case 'file':
      return `file:${t.path}`;
    case 'pipe':
      return `pipe:${t.shell ? 'sh' : 'exec'}:${t.command}`;
    case 'syslog':
      return `syslog:${t.facility ?? ''}:${t.tag ?? ''}`;
  }
}

/** Shared by both kinds: the bounded queue in front of the current Writable. */
abstract class QueuedSink implements LogSink {
  protected stream: Writable | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  protected closing = false;
  private readonly max: number;

  constructor(
    readonly name: string,
    protected readonly opts: SinkOptions,
  ) {
    this.max = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  write(line: string): void {
    if (this.closing) return this.drop();
    const s = this.stream;
    if (s !== undefined && this.pending.length === 0) {
      if (s.writableLength + line.length > this.max) return this.drop();
      s.write(line, 'latin1');
      return;
    }
    if (this.pendingBytes + line.length > this.max) return this.drop();
    this.pending.push(line);
    this.pendingBytes += line.length;
  }

  /** A Writable is ready: what waited goes first, in one write. */
  protected attach(s: Writable): void {
    this.stream = s;
    if (this.pending.length > 0) {
      s.write(this.pending.join(''), 'latin1');
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  private drop(): void {
    this.droppedTotal++;
    this.droppedUnreported++;
    if (this.reportTimer !== undefined) return;
    this.reportTimer = setTimeout(() => this.reportDrops(), 1000);
    this.reportTimer.unref();
  }

  protected reportDrops(): void {
    clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    if (this.droppedUnreported === 0) return;
    this.opts.report(`[log_config:error] ${this.name}: ${this.droppedUnreported} log line(s) dropped: the log is written slower than requests arrive (${this.max} bytes queued)`);
    this.droppedUnreported = 0;
  }

  /** Ends a Writable and waits until its data is handed to the OS (or it failed). */
  protected static finish(s: Writable | undefined): Promise<void> {
    if (s === undefined || s.destroyed || s.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('error', () => resolve());
      s.once('close', () => resolve());
      s.end();
    });
  }

  abstract reopen(): Promise<void>;
  abstract close(): Promise<void>;
}

/** A log file, appended to. Opened synchronously at start (a missing directory is a start-up error, as in httpd). */
export class FileSink extends QueuedSink {
  constructor(
    private readonly path: string,
    opts: SinkOptions,
  ) {
    super(path, opts);
    this.attach(this.streamFor(openSync(path, 'a', 0o644)));
  }

  private streamFor(fd: number): WriteStream {
    const s = createWriteStream(this.path, { fd, flags: 'a', autoClose: true });
    s.on('error', (err) => {
      this.opts.report(`[log_config:error] AH00646: Error writing to ${this.path}: ${err.message}`);
      if (this.stream === s) this.stream = undefined;
    });
    return s;
  }

  /** Log rotation: the new file is opened first, then the old stream is drained and closed. */
  async reopen(): Promise<void> {
    if (this.closing) return;
    const fd = await new Promise<number | Error>((resolve) => open(this.path, 'a', 0o644, (err, f) => resolve(err ?? f)));
    if (fd instanceof Error) {
      this.opts.report(`[log_config:error] AH00649: could not open transfer log file ${this.path}: ${fd.message}`);
      return;
    }
    if (this.closing) return void closeSync(fd);
    const old = this.stream;
    this.attach(this.streamFor(fd));
    await QueuedSink.finish(old);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.reportDrops();
    await QueuedSink.finish(this.stream);
    this.stream = undefined;
  }
}

/** httpd's apr_tokenize_to_argv, enough for "||/usr/bin/rotatelogs -l /var/log/x 86400". */
function argv(command: string): string[] {
  return command.match(/"[^"]*"|'[^']*'|\S+/g)?.map((w) => w.replace(/^(["'])(.*)\1$/, '$2')) ?? [];
}

/**
 * A program run directly must exist and be executable, checked at start as httpd does (AH00104 stops it): through
 * PATH when the name has no '/' (httpd would need the absolute path).
 */
function checkProgram(file: string | undefined): void {
  if (file === undefined) throw new Error('no program named');
  const candidates = file.includes('/') ? [file] : (process.env['PATH'] ?? '').split(delimiter).filter(isAbsolute).map((d) => join(d, file));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return;
    } catch {
      // next
    }
  }
  throw new Error(`${file}: not found or not executable`);
}

/** A piped logger: started at once, restarted (after RESTART_DELAY_MS) whenever it exits while the server runs. */
export class PipeSink extends QueuedSink {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly command: string,
    private readonly shell: boolean,
    opts: SinkOptions,
  ) {
    super(`|${command}`, opts);
    if (!shell) checkProgram(argv(command)[0]);
    this.start();
  }

  private start(): void {
    this.restartTimer = undefined;
    const [file, ...args] = this.shell ? ['/bin/sh', '-c', this.command] : argv(this.command);
    // The logger's own stdout and stderr are the server's, as httpd leaves them.
    const child = spawn(file ?? '/bin/false', args, { stdio: ['pipe', 'inherit', 'inherit'] });
    this.child = child;
    const stdin = child.stdin!;
    stdin.on('error', () => undefined); // EPIPE when the program exits: handled by 'exit'
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.opts.report(`[core:error] AH00104: unable to start piped log program '${this.command}': ${err.message}`);
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (this.stream === stdin) this.stream = undefined;
        if (!this.closing) {
          this.opts.report(`[core:error] AH00106: piped log program '${this.command}' failed unexpectedly (${signal ?? `exit ${code}`}); restarting`);
          this.restartTimer = setTimeout(() => this.start(), RESTART_DELAY_MS);
          this.restartTimer.unref();
        }
        resolve();
      });
    });
    this.attach(stdin);
  }

  /** Pipes are not reopened: the program keeps running (rotatelogs rotates by itself). */
  reopen(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    this.reportDrops();
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    // EOF on its stdin once the queue is written: the program finishes and exits. One that neither reads nor exits
    // within the grace is stopped, and what it did not take is reported.
    const stdin = this.stream;
    const graceMs = this.opts.pipeCloseGraceMs ?? PIPE_CLOSE_GRACE_MS;
    const grace = setTimeout(() => {
      this.opts.report(`[core:warn] piped log program '${this.command}' still running ${graceMs} ms after the end of its input (${stdin?.writableLength ?? 0} bytes not taken): stopped`);
      child.kill('SIGTERM');
      stdin?.destroy();
    }, graceMs);
    await QueuedSink.finish(stdin);
    await this.exited;
    clearTimeout(grace);
  }
}

/** The stream a target is written to; syslog is not supported (the caller reports it). */
export function openSink(target: Exclude<LogTarget, { kind: 'syslog' }>, opts: SinkOptions): LogSink {
  return target.kind === 'file' ? new FileSink(target.path, opts) : new PipeSink(target.command, target.shell, opts);
}
