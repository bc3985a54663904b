// The error log: the server's "[module:level] message" lines (already filtered by LogLevel, src/server/log-level.ts)
// written in httpd 2.4's default ErrorLogFormat,
//   [Sun Nov 22 04:30:00.123456 2026] [proxy:error] [pid 4242:tid 4242] [client 127.0.0.1:5555] AH01114: message
// to the ErrorLog file or piped program, or to stderr when the config names none (tsproxyd runs in the foreground;
// httpd's default would be logs/error_log). A message that names its client starts with "[client a:p] ".
// An untagged line is a notice from core. File and pipe targets use the same non-blocking sinks as access logs.
import type { Writable } from 'node:stream';
import type { LogTarget } from '../modules/log/format.js';
import { openSink, type LogSink } from './sink.js';
import { byteString } from './escape.js';
import { errorLogTime } from './time.js';

export interface ErrorLog {
  /** One line as the server logs it: "[proxy:error] AH00959: …" (no newline). */
  readonly write: (line: string) => void;
  /** Log rotation: the file is opened again. */
  reopen(): Promise<void>;
  /** Flushes everything queued; resolves when it is written. */
  close(): Promise<void>;
}

const TAG = /^\[([a-z0-9_]+):([a-z0-9]+)\] ?/;

/**
 * One line in httpd's format (without the newline), as bytes (one char per byte: request data is already so, other
 * text with wider chars is taken as UTF-8). `us`: the time in µs since the epoch.
 */
export function formatErrorLine(line: string, us: number, pid: number): string {
  const m = TAG.exec(line);
  const tag = m === null ? '[core:notice]' : `[${m[1]!}:${m[2]!}]`;
  const message = m === null ? line : line.slice(m[0].length);
  return byteString(`[${errorLogTime(us)}] ${tag} [pid ${pid}:tid ${pid}] ${message}`);
}

const nowUs = (): number => (performance.timeOrigin + performance.now()) * 1000;

export type ErrorLogResult = { readonly ok: true; readonly log: ErrorLog } | { readonly ok: false; readonly error: string };

/**
 * Opens the main server's ErrorLog (a file synchronously: httpd refuses to start without its error log).
 * `stderr` is where lines go without one, and where the sink's own problems are reported.
 */
export function openErrorLog(target: LogTarget | undefined, stderr: Writable = process.stderr, maxQueuedBytes?: number): ErrorLogResult {
  const pid = process.pid;
  const toStderr = (line: string): void => void stderr.write(formatErrorLine(line, nowUs(), pid) + '\n', 'latin1');
  if (target === undefined || target.kind === 'syslog') {
    if (target?.kind === 'syslog') toStderr('[core:warn] ErrorLog syslog is not supported by tsproxyd: the error log goes to stderr');
    return { ok: true, log: { write: toStderr, reopen: () => Promise.resolve(), close: () => Promise.resolve() } };
  }
  let sink: LogSink;
  try {
    sink = openSink(target, { report: toStderr, ...(maxQueuedBytes !== undefined ? { maxQueuedBytes } : {}) });
  } catch (err) {
    const what = target.kind === 'file' ? `AH00091: could not open error log file ${target.path}` : `AH00104: unable to start piped log program '${target.command}'`;
    return { ok: false, error: `${what}: ${(err as Error).message}` };
  }
  return {
    ok: true,
    log: {
      write: (line) => sink.write(formatErrorLine(line, nowUs(), pid) + '\n'),
      reopen: () => sink.reopen(),
      close: () => sink.close(),
    },
  };
}
