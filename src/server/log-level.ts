// The server's log lines filtered by LogLevel, as httpd filters its error log: a line tagged "[module:level]"
// is written when its level is at or above the module's LogLevel (`LogLevel warn proxy:info`), else the server's,
// else httpd's default, warn. Untagged lines (start-up, listening) are always written. Until ErrorLog is served
// (issue #8), lines go to stderr.
import type { ConfigModel } from '../config/types.js';
import { LOG_LEVELS, type LogLevelName, type LogServerConf } from '../modules/log/directives.js';

const rank = (l: LogLevelName): number => LOG_LEVELS.indexOf(l);
const TAG = /^\[([a-z_]+):([a-z0-9]+)\]/;

export function levelFilter(model: ConfigModel, write: (line: string) => void): (line: string) => void {
  const conf = model.main.confs.get('log_config') as LogServerConf | undefined;
  const base = rank(conf?.logLevel.level ?? 'warn');
  const modules = new Map<string, number>();
  for (const [m, l] of conf?.logLevel.modules ?? []) modules.set(m, rank(l));
  return (line) => {
    const m = TAG.exec(line);
    if (m !== null) {
      const level = LOG_LEVELS.indexOf(m[2] as LogLevelName);
      if (level >= 0 && level > (modules.get(m[1]!) ?? base)) return;
    }
    write(line);
  };
}
