// mod_log_config (LogFormat, CustomLog, TransferLog, GlobalLog, BufferedLogs) plus ErrorLog and LogLevel, which
// httpd declares in core (server/core.c) but which belong with logging here. Messages are httpd 2.4.71's.
import type { Diagnostic, Loc } from '../../../grammar/ast.js';
import type { ConfigModel, DirectiveDef, ModuleDef, ServerScope, Site } from '../../config/types.js';
import { flagRow } from '../../config/rows.js';
import { missingLogDir, parseLogFormat, parseLogTarget } from './format.js';
import type { LogFormat, LogTarget } from './format.js';

export type { LogFormat, LogItem, LogPart, LogTarget } from './format.js';

export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug',
  'trace1', 'trace2', 'trace3', 'trace4', 'trace5', 'trace6', 'trace7', 'trace8'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LogLevelSetting {
  level?: LogLevelName;
  /** Per-module levels by short module name ('rewrite'). */
  readonly modules: Map<string, LogLevelName>;
}

export type LogCondition = { readonly kind: 'env'; readonly name: string; readonly negate: boolean } | { readonly kind: 'expr'; readonly source: string };

export interface CustomLogDef {
  readonly target: LogTarget;
  /** The format or nickname as written; undefined for TransferLog (the server's default format). */
  readonly spec?: string;
  /** Parsed from `spec`; finish() swaps in the LogFormat a nickname names. */
  format?: LogFormat;
  readonly condition?: LogCondition;
  /** GlobalLog: every virtual host logs here too. */
  readonly global: boolean;
  readonly loc: Loc;
}

export interface LogServerConf {
  defaultFormat?: LogFormat;
  readonly formats: Map<string, LogFormat>;
  readonly logs: CustomLogDef[];
  bufferedLogs?: boolean;
  errorLog?: LogTarget;
  readonly logLevel: LogLevelSetting;
}

export interface LogDirConf {
  readonly logLevel: LogLevelSetting;
}

type Conf = { server: LogServerConf; dir: LogDirConf | undefined };

/** Modules tsproxyd knows by httpd name, for `LogLevel module:level`. */
export const DEFAULT_LOG_MODULES: readonly string[] = [
  'core', 'http', 'so', 'mpm_event', 'proxy', 'proxy_http', 'proxy_wstunnel', 'proxy_balancer', 'proxy_hcheck',
  'lbmethod_byrequests', 'lbmethod_bytraffic', 'lbmethod_bybusyness', 'rewrite', 'headers', 'ssl', 'log_config',
  'status', 'authz_core', 'authz_host', 'alias', 'mime', 'dir', 'env', 'setenvif', 'socache_shmcb', 'unixd',
];
/** Source file names that are not mod_<name>.c. */
const SOURCE: Readonly<Record<string, string>> = { core: 'core.c', http: 'http_core.c', mpm_event: 'event.c', unixd: 'unixd.c' };

const LEVEL_ERROR = 'Log level keyword must be one of emerg/alert/crit/error/warn/notice/info/debug/trace1/.../trace8';

const level = (w: string) => LOG_LEVELS.find((l) => l === w.toLowerCase());

/** `x`, `x_module` or its source file (`mod_x.c`) → `x`. */
function findModule(spec: string, modules: readonly string[]): string | undefined {
  return modules.find((m) => spec === m || spec === `${m}_module` || spec === (SOURCE[m] ?? `mod_${m}.c`));
}

function setLogLevel(word: string, setting: LogLevelSetting, modules: readonly string[]): string | undefined {
  const colon = word.indexOf(':');
  if (colon < 0) {
    const l = level(word);
    if (l === undefined) return LEVEL_ERROR;
    setting.level = l; // a bare level resets every module's level, as httpd does
    setting.modules.clear();
    return undefined;
  }
  const spec = word.slice(0, colon);
  const value = word.slice(colon + 1);
  if (value === '') return `Module specifier '${spec}' must be followed by a log level keyword`;
  const mod = findModule(spec, modules);
  if (mod === undefined) return `Cannot find module ${spec}`;
  const l = level(value);
  if (l === undefined) return `${word}: ${LEVEL_ERROR}`;
  setting.modules.set(mod, l);
  return undefined;
}

function parseCondition(clause: string): LogCondition | string {
  if (/^env=/i.test(clause)) {
    const negate = clause[4] === '!';
    const name = clause.slice(negate ? 5 : 4);
    return name === '' ? 'missing environment variable name' : { kind: 'env', name, negate };
  }
  if (/^expr=/i.test(clause)) return clause.length === 5 ? 'syntax error, unexpected $end' : { kind: 'expr', source: clause.slice(5) };
  return 'error in condition clause';
}

function checkDir(target: LogTarget, file: string, at: Site): void {
  const dir = missingLogDir(target);
  if (dir !== undefined) {
    at.report('error', `Cannot access directory '${dir}' for log file '${file}'`, at.words[0], 'AH02297');
  }
}

function addLog(conf: Conf, args: readonly string[], at: Site, global: boolean): string | undefined {
  const [file = '', spec, clause] = args;
  let format: LogFormat | undefined;
  if (spec !== undefined) {
    const f = parseLogFormat(spec);
    if (typeof f === 'string') return f;
    format = f;
  }
  const condition = clause === undefined ? undefined : parseCondition(clause);
  if (typeof condition === 'string') return condition;
  const target = parseLogTarget(file, at.model.serverRoot, false);
  checkDir(target, file, at);
  conf.server.logs.push({ target, ...(spec !== undefined ? { spec } : {}), ...(format ? { format } : {}), ...(condition ? { condition } : {}), global, loc: at.loc });
  return undefined;
}

/** httpd's default format, also known by the one built-in nickname, CLF (mod_log_config's make_config_log_state). */
export const DEFAULT_LOG_FORMAT = '%h %l %u %t "%r" %>s %b';
const CLF = parseLogFormat(DEFAULT_LOG_FORMAT) as LogFormat;

/** After the walk: a CustomLog format word that names a LogFormat nickname (this server's or the main server's). */
function resolveNicknames(model: ConfigModel, report: (d: Diagnostic) => void): void {
  const confOf = (s: ServerScope) => s.confs.get('log_config') as LogServerConf | undefined;
  const main = confOf(model.main);
  for (const server of [model.main, ...model.vhosts]) {
    for (const log of confOf(server)?.logs ?? []) {
      if (log.spec === undefined) continue;
      const named = confOf(server)?.formats.get(log.spec) ?? main?.formats.get(log.spec) ?? (log.spec === 'CLF' ? CLF : undefined);
      if (named !== undefined) log.format = named;
      else if (!log.spec.includes('%')) {
        report({
          code: 'TSP_LOG_NICKNAME',
          severity: 'warning',
          message: `no LogFormat is named '${log.spec}'; httpd logs the text '${log.spec}' literally on every line`,
          loc: log.loc,
        });
      }
    }
  }
}

const S_V = ['server', 'vhost'] as const;

function rows(modules: readonly string[]): DirectiveDef<LogServerConf, LogDirConf>[] {
  return [
    {
      name: 'LogFormat',
      args: 'TAKE12',
      where: S_V,
      help: 'a log format string (see docs) and an optional format name',
      apply(conf, [spec = '', nick]) {
        const f = parseLogFormat(spec);
        if (typeof f === 'string') return f;
        if (nick === undefined) conf.server.defaultFormat = f;
        else conf.server.formats.set(nick, f);
        return undefined;
      },
    },
    {
      name: 'CustomLog',
      args: 'TAKE23',
      where: S_V,
      help: 'a file name, a custom log format string or format name, and an optional "env=" or "expr=" clause (see docs)',
      apply: (conf, args, at) => addLog(conf, args, at, false),
    },
    {
      name: 'GlobalLog',
      args: 'TAKE23',
      where: ['server'],
      help: 'Same as CustomLog, but forces virtualhosts to inherit the log',
      apply: (conf, args, at) => addLog(conf, args, at, true),
    },
    {
      name: 'TransferLog',
      args: 'TAKE1',
      where: S_V,
      help: 'the filename of the access log',
      apply: (conf, args, at) => addLog(conf, args, at, false),
    },
    flagRow<LogServerConf>('BufferedLogs', S_V, 'Enable Buffered Logging (experimental)', (c, on) => {
      c.bufferedLogs = on;
    }),
    {
      name: 'ErrorLog', // core.c in httpd
      args: 'TAKE1',
      where: S_V,
      help: 'The filename of the error log',
      apply(conf, [word = ''], at) {
        const target = parseLogTarget(word, at.model.serverRoot, true);
        const dir = missingLogDir(target);
        if (dir !== undefined) {
          const { file, line } = at.server.loc;
          const which = at.server.isVirtual ? `error log of vhost defined at ${file}:${line}` : 'main error log';
          at.report('error', `Cannot access directory '${dir}' for ${which}`, at.words[0], 'AH02291');
        }
        conf.server.errorLog = target;
        return undefined;
      },
    },
    {
      name: 'LogLevel', // core.c in httpd; words are applied left to right
      args: 'ITERATE',
      where: ['server', 'vhost', 'dir'],
      help: 'Level of verbosity in error logging',
      apply: (conf, [word = ''], _at) => setLogLevel(word, (conf.dir ?? conf.server).logLevel, modules),
    },
  ];
}

/** The module, resolving `LogLevel module:level` against `modules` (short names: 'proxy', 'rewrite'…). */
export function createLogConfigModule(modules: readonly string[] = DEFAULT_LOG_MODULES): ModuleDef<LogServerConf, LogDirConf> {
  return {
    name: 'log_config',
    id: 'log_config_module',
    source: 'mod_log_config.c',
    createServer: () => ({ formats: new Map(), logs: [], logLevel: { modules: new Map() } }),
    createDir: () => ({ logLevel: { modules: new Map() } }),
    finish: resolveNicknames,
    directives: rows(modules),
  };
}

export const logConfigModule = createLogConfigModule();
