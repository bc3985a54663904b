// The access logs of one configuration load: one sink per distinct target (file or piped program), opened at
// start, shared by every server that names it, closed (flushed) by close(). log() writes one record to the logs
// of the server that served it, checking each log's env= condition.
import type { LogCondition } from '../modules/log/directives.js';
import type { ServerLogs } from './plan.js';
import type { AccessRecord } from './record.js';
import { openSink, type LogSink, type SinkOptions } from './sink.js';

export interface AccessLogs {
  /** How many targets are open (0: nothing to log, the server need not record requests). */
  readonly targets: number;
  log(record: AccessRecord, logs: ServerLogs): void;
  /** Lines dropped so far because a target was too slow (every sink). */
  dropped(): number;
  /** Log rotation: files are opened again (pipes keep running). */
  reopen(): Promise<void>;
  /** Flushes and closes every sink; resolves when everything queued was written. */
  close(): Promise<void>;
}

export type OpenResult = { readonly ok: true; readonly logs: AccessLogs } | { readonly ok: false; readonly error: string };

/** env=VAR: logged when VAR is set; env=!VAR: when it is not. expr= is not evaluated: always logged (reported). */
function passes(c: LogCondition | undefined, env: ReadonlyMap<string, string>): boolean {
  if (c === undefined || c.kind === 'expr') return true;
  return env.has(c.name) !== c.negate;
}

/** Opens every target the servers name (files synchronously: a log that cannot be opened stops the start). */
export function openAccessLogs(servers: readonly (ServerLogs | undefined)[], opts: SinkOptions): OpenResult {
  const sinks = new Map<string, LogSink>();
  for (const server of servers) {
    for (const spec of server?.access ?? []) {
      if (sinks.has(spec.key)) continue;
      const t = spec.target;
      if (t.kind === 'syslog') continue; // CustomLog never parses syslog targets
      try {
        sinks.set(spec.key, openSink(t, opts));
      } catch (err) {
        for (const s of sinks.values()) void s.close(); // what was opened before this one
        const where = `${spec.loc.file}:${spec.loc.line}`;
        const what = t.kind === 'file' ? `AH00649: could not open transfer log file ${t.path}` : `AH00104: unable to start piped log program '${t.command}'`;
        return { ok: false, error: `${what} (${where}): ${(err as Error).message}` };
      }
      if (spec.condition?.kind === 'expr') {
        opts.report(`[log_config:warn] ${spec.loc.file}:${spec.loc.line}: CustomLog expr= conditions are not evaluated by tsproxyd: every request is logged`);
      }
    }
  }
  const all = [...sinks.values()];
  return {
    ok: true,
    logs: {
      targets: all.length,
      log(record, logs) {
        for (const spec of logs.access) {
          if (!passes(spec.condition, record.env)) continue;
          sinks.get(spec.key)?.write(spec.format(record) + '\n');
        }
      },
      dropped: () => all.reduce((n, s) => n + s.dropped, 0),
      reopen: async () => void (await Promise.all(all.map((s) => s.reopen()))),
      close: async () => void (await Promise.all(all.map((s) => s.close()))),
    },
  };
}
