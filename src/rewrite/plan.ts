// A server's rewrite phase compiled from the config (mod_rewrite's config_server_merge, httpd 2.4.71), verified with
// apache2 on a main server with `RewriteEngine on`, a RewriteMap and a [P] rule, and three vhosts:
//   - RewriteEngine: the vhost's, else the main server's. A vhost that never says RewriteEngine runs its own rules
//     when the main server has the engine on (the manual says each vhost needs its own RewriteEngine On);
//   - RewriteOptions: the vhost's, else the main server's;
//   - rules and maps: the vhost's own only; with Inherit (or the main server's InheritDown, unless IgnoreInherit)
//     the vhost's rules then the main server's, and maps merged with the vhost's winning; with InheritBefore (or
//     InheritDownBefore) the main server's rules first, and its maps winning. A main-server map is unknown in a
//     vhost that does not inherit (its ${map:key|default} gives the default).
import type { ServerScope } from '../config/types.js';
import type { CoreServerConf } from '../modules/core/types.js';
import type { LogServerConf } from '../modules/log/directives.js';
import type { RewriteDirConf, RewriteMapDef, RewriteOption, RewriteRule, RewriteServerConf } from '../modules/rewrite/model.js';
import { fnmatchTest, fnmatchToRegExp } from '../config/fnmatch.js';
import type { DirectorySection, PerDirPlan } from './fixup.js';
import { MapStore } from './map-store.js';
import type { RewritePlan, RewriteServerInfo } from './types.js';

const rewrite = (s: ServerScope) => s.confs.get('rewrite') as RewriteServerConf | undefined;
const core = (s: ServerScope) => s.confs.get('core') as CoreServerConf | undefined;
const logConf = (s: ServerScope) => s.confs.get('log_config') as LogServerConf | undefined;

const DEFAULT_LIMIT_REQUEST_LINE = 8190;
/** httpd's DOCUMENT_LOCATION, when no DocumentRoot is set. */
const DEFAULT_DOCUMENT_ROOT = '/usr/local/apache2/htdocs';

/** LogLevel rewrite:traceN (the server's, else the main server's): N, or 0. */
function traceLevel(scope: ServerScope, main: ServerScope): number {
  const level = (s: ServerScope) => {
    const l = logConf(s)?.logLevel;
    return l?.modules.get('rewrite') ?? l?.level;
  };
  const l = level(scope) ?? level(main);
  const m = /^trace([1-8])$/.exec(l ?? '');
  return m ? Number(m[1]) : 0;
}

interface Merged {
  readonly engine: boolean;
  readonly options: ReadonlySet<RewriteOption>;
  readonly rules: readonly RewriteRule[];
  readonly maps: ReadonlyMap<string, RewriteMapDef>;
}

/** config_server_merge(main, vhost). */
export function mergeServers(base: RewriteServerConf | undefined, own: RewriteServerConf | undefined): Merged {
  const options = own !== undefined && own.options.size > 0 ? own.options : (base?.options ?? new Set<RewriteOption>());
  const engine = own?.engine ?? base?.engine ?? false;
  const ownRules = own?.rules ?? [];
  const ownMaps = own?.maps ?? new Map<string, RewriteMapDef>();
  const baseOpts = base?.options ?? new Set<RewriteOption>();
  const ignore = options.has('IgnoreInherit');
  if (base !== undefined && (options.has('Inherit') || (baseOpts.has('InheritDown') && !ignore))) {
    return { engine, options, rules: [...ownRules, ...base.rules], maps: new Map([...base.maps, ...ownMaps]) };
  }
  if (base !== undefined && (options.has('InheritBefore') || (baseOpts.has('InheritDownBefore') && !ignore))) {
    return { engine, options, rules: [...base.rules, ...ownRules], maps: new Map([...ownMaps, ...base.maps]) };
  }
  return { engine, options, rules: ownRules, maps: ownMaps };
}

export interface ServerIdentity {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly addrs: RewriteServerInfo['addrs'];
  /** A number telling servers apart in the trace ([name/sid#N]). */
  readonly index: number;
}

function serverInfo(scope: ServerScope, main: ServerScope, id: ServerIdentity): RewriteServerInfo {
  const c = core(scope);
  const mc = core(main);
  const serverName = c?.serverName ?? mc?.serverName;
  return {
    name: id.name,
    port: serverName?.port ?? 0,
    aliases: id.aliases,
    addrs: id.addrs,
    useCanonicalName: c?.useCanonicalName ?? mc?.useCanonicalName ?? 'Off',
    serverAdmin: '',
    maxFilename: 2 * (c?.limitRequestLine ?? mc?.limitRequestLine ?? DEFAULT_LIMIT_REQUEST_LINE),
    sid: id.index.toString(16),
  };
}

const mergedOf = (scope: ServerScope, main: ServerScope) =>
  scope === main ? mergeServers(undefined, rewrite(main)) : mergeServers(rewrite(main), rewrite(scope));

/**
 * The server's rewrite phase, or undefined when its engine is off or it has no rules. With per-directory rules
 * (`dirRules`) it also runs without rules of its own: it sets SCRIPT_URL and SCRIPT_URI, which they may read.
 */
export function compileRewrite(scope: ServerScope, main: ServerScope, id: ServerIdentity, dirRules = false): RewritePlan | undefined {
  const merged = mergedOf(scope, main);
  if (!merged.engine || (merged.rules.length === 0 && !dirRules)) return undefined;
  return { rules: merged.rules, options: merged.options, maps: new MapStore(merged.maps), traceLevel: traceLevel(scope, main), server: serverInfo(scope, main, id) };
}

/**
 * The <Directory> sections (not <DirectoryMatch> or `~`) with rewrite directives that apply to a server: the main
 * server's, then the vhost's, ordered as httpd's ap_core_reorder_directories does (fewer path components first,
 * config order among equals). Relative paths, regex sections and nested sections are not run (describe.ts warns).
 */
export function directorySections(scope: ServerScope, main: ServerScope): DirectorySection[] {
  const out: { section: DirectorySection; n: number; order: number }[] = [];
  const servers = scope === main ? [main] : [main, scope];
  for (const server of servers) {
    for (const dir of server.dirs) {
      const conf = dir.confs.get('rewrite') as RewriteDirConf | undefined;
      const path = dir.args[0] ?? '';
      if (dir.section !== 'Directory' || conf === undefined || dir.args.length !== 1 || !path.startsWith('/')) continue;
      const directory = path.endsWith('/') ? path : `${path}/`;
      const n = directory.split('/').length - 1;
      out.push({ section: { path: directory, components: n, wildcard: fnmatchTest(directory) ? fnmatchToRegExp(directory, { pathname: true }) : undefined, conf }, n, order: out.length });
    }
  }
  return out.sort((a, b) => a.n - b.n || a.order - b.order).map((x) => x.section);
}

/**
 * What the server's per-directory RewriteRules need (fixup.ts): its <Location> sections' (`sections`) and its
 * <Directory> sections'; undefined when none of them has rules.
 */
export function compileRewriteDirs(scope: ServerScope, main: ServerScope, id: ServerIdentity, sections: readonly (RewriteDirConf | undefined)[]): PerDirPlan | undefined {
  const directories = directorySections(scope, main);
  if (!sections.some((d) => d !== undefined && d.rules.length > 0) && !directories.some((d) => d.conf.rules.length > 0)) return undefined;
  const merged = mergedOf(scope, main);
  const own = rewrite(scope);
  const base = rewrite(main);
  const docroot = core(scope)?.documentRoot ?? core(main)?.documentRoot ?? DEFAULT_DOCUMENT_ROOT;
  return {
    engine: own?.engine ?? base?.engine,
    options: merged.options,
    maps: new MapStore(merged.maps),
    server: serverInfo(scope, main, id),
    traceLevel: traceLevel(scope, main),
    documentRoot: docroot.endsWith('/') ? docroot.slice(0, -1) : docroot,
    directories,
  };
}
