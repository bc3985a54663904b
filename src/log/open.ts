// Opening the logs of one configuration load: the main server's ErrorLog, then every server's access logs (their
// own problems -- lines dropped, a piped logger restarted -- reported on the error log through `log`).
import type { ConfigModel } from '../config/types.js';
import type { LogServerConf } from '../modules/log/directives.js';
import type { Plan } from '../route/types.js';
import { levelFilter } from '../server/log-level.js';
import { openAccessLogs, type AccessLogs } from './access-log.js';
import { openErrorLog, type ErrorLog } from './error-log.js';

export { openErrorLog, openAccessLogs };
export type { AccessLogs, ErrorLog };

/** The main server's ErrorLog target (a vhost's own ErrorLog is not used yet: its lines go here too). */
export function errorLogTarget(model: ConfigModel): LogServerConf['errorLog'] {
  return (model.main.confs.get('log_config') as LogServerConf | undefined)?.errorLog;
}

/** Every server's compiled access logs, main server first. */
export function serverLogsOf(plan: Pick<Plan, 'main' | 'vhosts'>) {
  return [plan.main, ...plan.vhosts].map((s) => s.settings.logs);
}

export interface OpenedLogs {
  readonly ok: true;
  /** The server's log function: LogLevel filter, then the error log. */
  readonly log: (line: string) => void;
  readonly errorLog: ErrorLog;
  /** Handed to createProxyServer, which writes and closes them. */
  readonly accessLogs: AccessLogs;
}

/** The error log, then the access logs; an error (a log that cannot be opened) stops the start, as in httpd. */
export function openServerLogs(model: ConfigModel, plan: Pick<Plan, 'main' | 'vhosts'>): OpenedLogs | { readonly ok: false; readonly error: string } {
  const errors = openErrorLog(errorLogTarget(model));
  if (!errors.ok) return errors;
  const log = levelFilter(model, errors.log.write);
  const access = openAccessLogs(serverLogsOf(plan), { report: log });
  if (!access.ok) {
    void errors.log.close();
    return access;
  }
  return { ok: true, log, errorLog: errors.log, accessLogs: access.logs };
}
