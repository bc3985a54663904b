// Which access logs a server writes, compiled once per configuration load (compile.ts puts the result in the
// server's ProxySettings, so every Decision carries its server's logs). httpd's rules (mod_log_config 2.4.71):
//  - a <VirtualHost> with CustomLog/TransferLog lines of its own writes only those, plus the main server's GlobalLog
//    lines; one without any writes the main server's logs (all of them);
//  - TransferLog (and CustomLog without a format) uses the serving server's default LogFormat, else the main
//    server's, else '%h %l %u %t "%r" %>s %b';
//  - a format word naming a LogFormat nickname was resolved by the config module (finish()); CLF is built in.
import type { Loc } from '../../grammar/ast.js';
import type { ServerScope } from '../config/types.js';
import type { CoreServerConf } from '../modules/core/types.js';
import { DEFAULT_LOG_FORMAT, type CustomLogDef, type LogCondition, type LogServerConf } from '../modules/log/directives.js';
import { parseLogFormat, type LogFormat, type LogTarget } from '../modules/log/format.js';
import { compileFormat, type Formatter } from './formatter.js';
import { targetKey } from './sink.js';

export interface AccessLogSpec {
  /** Identity of the target (targetKey): logs naming the same file or command share one sink. */
  readonly key: string;
  readonly target: LogTarget;
  readonly format: Formatter;
  readonly condition?: LogCondition;
  readonly loc: Loc;
}

/** One server's access logs and what its lines need to know about the server itself. */
export interface ServerLogs {
  readonly access: readonly AccessLogSpec[];
  /** ServerName's port, for %p (undefined: the scheme's default). */
  readonly serverPort: number | undefined;
  /** UseCanonicalName On: %V is the ServerName, else the Host the client sent. */
  readonly useCanonicalName: boolean;
}

const logConf = (s: ServerScope) => s.confs.get('log_config') as LogServerConf | undefined;
const coreConf = (s: ServerScope) => s.confs.get('core') as CoreServerConf | undefined;

const BUILT_IN = parseLogFormat(DEFAULT_LOG_FORMAT) as LogFormat;

export function compileServerLogs(scope: ServerScope, main: ServerScope): ServerLogs {
  const own = logConf(scope)?.logs ?? [];
  const fromMain = scope === main ? [] : (logConf(main)?.logs ?? []);
  const logs: CustomLogDef[] = [...own, ...fromMain.filter((l) => l.global || own.length === 0)];
  const defaultFormat = logConf(scope)?.defaultFormat ?? logConf(main)?.defaultFormat ?? BUILT_IN;
  const compiledDefault = compileFormat(defaultFormat);
  const access = logs.map(
    (l): AccessLogSpec => ({
      key: targetKey(l.target),
      target: l.target,
      format: l.format === undefined ? compiledDefault : compileFormat(l.format),
      ...(l.condition !== undefined ? { condition: l.condition } : {}),
      loc: l.loc,
    }),
  );
  const c = coreConf(scope);
  const mc = coreConf(main);
  const name = scope === main ? mc?.serverName : (c?.serverName ?? mc?.serverName);
  return {
    access,
    serverPort: name?.port,
    useCanonicalName: (c?.useCanonicalName ?? mc?.useCanonicalName) === 'On',
  };
}
