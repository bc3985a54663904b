// Per-directory rules: RewriteRules in <Location>/<LocationMatch> sections, which httpd runs in the fixup phase
// (mod_rewrite's hook_fixup, httpd 2.4.71), after ProxyPass has mapped the request. Verified with apache2:
//   - the sections that match the path and hold rewrite directives are merged in order (config_perdir_merge):
//     the last one's rules (earlier ones' only with RewriteOptions Inherit*), RewriteEngine from the last that sets
//     it, else the server's (a <Location> without RewriteEngine runs when the server has it on);
//   - the URL the rules see is r->filename: for a proxied request "proxy:http://backend/path?query", matched whole;
//     otherwise DocumentRoot + path (e.g. /var/www/html/loc/x), with the section's path stripped when it is a
//     prefix (it never is for <Location>, since the file name starts with DocumentRoot). Rules in <Location> are
//     therefore written with %{REQUEST_URI} or ^proxy:…, or match the whole file name;
//   - a relative result gets the section's path in front; [P] escapes the URL (unless [NE]) and appends the query;
//     [R] and absolute URLs redirect, with the section's path replaced by RewriteBase when one is set;
//   - a local path is an internal redirect: the whole request is routed again with the new path (RewriteBase
//     replacing the section's path, else DocumentRoot stripped), the environment renamed REDIRECT_*; a result
//     equal to the file name is ignored; more than 10 internal redirects are a 500 (LimitInternalRecursion).
// <Directory> sections (verified with apache2 2.4.71): never for a proxied request (httpd skips the directory walk
// for it); for a request mapped to DocumentRoot + path (no ProxyPass, a local result), the sections whose directory
// holds that file name run before the <Location> ones (fewer path components first), with the directory stripped
// from the file name the rules see: `<Directory /var/www/html>` + `RewriteRule ^docs-(.*)$ /b/docs/$1 [PT]` sends
// /docs-z to the ProxyPass for /b/. tsproxyd reads no file system, so every path counts as existing (httpd would
// stop its walk at the first missing directory and keep the rest as PATH_INFO).
// <DirectoryMatch>, <Directory ~>, <Files>, <If> and .htaccess rules are not run.
import type { Loc } from '../../grammar/ast.js';
import type { RewriteDirConf, RewriteOption, RewriteRule } from '../modules/rewrite/model.js';
import { hasCtlOrSpace } from '../route/canon-path.js';
import { applyList, newRunState, redirectTo } from './engine.js';
import { runEffects } from './rule.js';
import { absoluteUriScheme } from './escape.js';
import type { MapStore } from './map-store.js';
import { RewriteLog } from './trace.js';
import type { RewriteEffects, RewriteRequest, RewriteServerInfo } from './types.js';
import { plainAddress } from './vars.js';

/** What a server's per-directory rules need besides the sections themselves. */
export interface PerDirPlan {
  /** RewriteEngine and RewriteOptions at server level (the server's default per-directory config). */
  readonly engine: boolean | undefined;
  readonly options: ReadonlySet<RewriteOption>;
  readonly maps: MapStore;
  readonly server: RewriteServerInfo;
  readonly traceLevel: number;
  /** DocumentRoot without a trailing '/'. */
  readonly documentRoot: string;
  /** The <Directory> sections with rewrite directives, in httpd's walk order (plan.ts). */
  readonly directories: readonly DirectorySection[];
}

/** A <Directory> section with rewrite directives. */
export interface DirectorySection {
  /** The directory with a trailing '/'. */
  readonly path: string;
  /** Its number of path components ('/' is 1, '/var/www/' 3). */
  readonly components: number;
  /** A path with wildcards, as a RegExp over the same number of components. */
  readonly wildcard: RegExp | undefined;
  readonly conf: RewriteDirConf;
}

/** The <Directory> sections whose directory holds `filename` (a file name under DocumentRoot), in walk order. */
export function directoriesFor(plan: PerDirPlan, filename: string): DirSection[] {
  const out: DirSection[] = [];
  for (const d of plan.directories) {
    if (d.wildcard === undefined) {
      if (filename.startsWith(d.path) || `${filename}/` === d.path) out.push({ path: d.path, conf: d.conf });
      continue;
    }
    // The file name's first `components` directories, e.g. "/var/www/site/" for a wildcard "/var/www/*/".
    let end = 0;
    for (let n = 0; n < d.components && end >= 0; n++) {
      const slash = filename.indexOf('/', end);
      end = slash < 0 ? -1 : slash + 1;
    }
    if (end > 0 && d.wildcard.test(filename.slice(0, end))) out.push({ path: filename.slice(0, end), conf: d.conf });
  }
  return out;
}

/** A matching section with rewrite directives: its path as written and its config. */
export interface DirSection {
  readonly path: string;
  readonly conf: RewriteDirConf;
}

export interface DirRules {
  readonly engine: boolean;
  readonly options: ReadonlySet<RewriteOption>;
  readonly rules: readonly RewriteRule[];
  /** The last section's path with a trailing '/' (httpd's dconf->directory). */
  readonly directory: string | undefined;
  readonly base: string | undefined;
}

/** config_perdir_merge over the matching sections, in order. */
export function mergeDirs(plan: PerDirPlan, sections: readonly DirSection[]): DirRules {
  let m: DirRules = { engine: plan.engine ?? false, options: plan.options, rules: [], directory: undefined, base: undefined };
  for (const { path, conf } of sections) {
    const options = conf.options.size > 0 ? conf.options : m.options;
    const ignore = options.has('IgnoreInherit');
    let rules: readonly RewriteRule[] = conf.rules;
    if (options.has('Inherit') || (m.options.has('InheritDown') && !ignore)) rules = [...conf.rules, ...m.rules];
    else if (options.has('InheritBefore') || (m.options.has('InheritDownBefore') && !ignore)) rules = [...m.rules, ...conf.rules];
    m = {
      engine: conf.engine ?? m.engine,
      options,
      rules,
      directory: path.endsWith('/') ? path : `${path}/`,
      base: options.has('MergeBase') ? (conf.base ?? m.base) : conf.base,
    };
  }
  return m;
}

export type FixupOutcome = RewriteEffects &
  (
    | { readonly kind: 'pass' }
    /** [P]: the URL as it goes to the backend (escaped by the engine, query appended): forwarded as is. */
    | { readonly kind: 'proxy'; readonly url: string; readonly args: undefined; readonly raw: true; readonly from: Loc }
    | { readonly kind: 'redirect'; readonly status: number; readonly location: string; readonly from: Loc }
    | { readonly kind: 'status'; readonly status: number; readonly reason: string; readonly from: Loc | undefined }
    /** An internal redirect to this request-target (path and query). */
    | { readonly kind: 'internal'; readonly target: string; readonly from: Loc }
  );

/** subst_prefix_path: `match` (a directory) at the start of `input` becomes `subst`. */
export function substPrefixPath(input: string, match: string, subst: string): string {
  const len = match.endsWith('/') ? match.length - 1 : match.length;
  if (!input.startsWith(match.slice(0, len)) || input[len] !== '/') return input;
  return (subst.endsWith('/') || subst === '' ? subst : `${subst}/`) + input.slice(len + 1);
}

/** hook_fixup: `filename` is r->filename when the fixups run. */
export function runFixup(plan: PerDirPlan, dir: DirRules, req: RewriteRequest, filename: string): FixupOutcome {
  const f = req.facts;
  const log = new RewriteLog(plan.traceLevel, plainAddress(f.remoteAddress), req.hostname ?? plan.server.name, plan.server.sid);
  const s = { ...newRunState(plan, req, filename, log), perdir: dir.directory };
  let effects = runEffects(s);
  const directory = dir.directory;
  if (!dir.engine || directory === undefined || dir.rules.length === 0) return { kind: 'pass', ...effects };
  const proxyReq = filename.startsWith('proxy:');
  // A request for the directory itself without its slash is left to mod_dir, unless AllowNoSlash.
  if (!proxyReq && !dir.options.has('AllowNoSlash') && filename === directory.slice(0, -1)) return { kind: 'pass', ...effects };
  log.perdir = directory;

  const r = applyList(dir.rules, s);
  effects = runEffects(s); // with the [T] the rules set
  if (r.kind === 'none') {
    log.trace(1, `pass through ${filename}`);
    return { kind: 'pass', ...effects };
  }
  if (r.kind === 'status') return { kind: 'status', status: s.status, reason: r.reason, from: r.rule.loc, ...effects };
  const from = r.last.loc;
  const badQuery = (): FixupOutcome => {
    log.error('AH10410', 'Rewritten query string contains control characters or spaces');
    return { kind: 'status', status: 403, reason: 'rewritten query string holds a control character or space (AH10410)', from, ...effects };
  };
  let result = s.filename;
  if (result.startsWith('proxy:')) {
    if (s.args !== undefined && hasCtlOrSpace(s.args)) return badQuery();
    const url = result.slice(6) + (s.args !== undefined ? `?${s.args}` : '');
    log.trace(1, `go-ahead with proxy request proxy:${url} [OK]`);
    return { kind: 'proxy', url, args: undefined, raw: true, from, ...effects };
  }
  const scheme = absoluteUriScheme(result);
  if (scheme.length > 0) {
    if (dir.base !== undefined) {
      const slash = result.indexOf('/', scheme.length);
      if (slash >= 0 && slash + 1 < result.length) {
        log.trace(2, `trying to replace prefix ${directory} with ${dir.base}`);
        const rest = result.slice(slash + 1);
        const replaced = substPrefixPath(rest, directory.startsWith('/') ? directory.slice(1) : directory, dir.base.slice(1));
        if (replaced !== rest) result = result.slice(0, slash + 1) + replaced;
      }
    }
    const red = redirectTo(s, result, scheme.length, r.noEscape);
    return red === undefined ? badQuery() : { ...red, from, ...effects };
  }
  if (s.args !== undefined && hasCtlOrSpace(s.args)) return badQuery();
  log.trace(2, `local path result: ${result}`);
  if (!result.startsWith('/')) return { kind: 'status', status: 400, reason: `rewritten to '${result}', not a URL-path`, from, ...effects };
  if (result === filename) {
    log.trace(1, `initial URL equal rewritten URL: ${result} [IGNORING REWRITE]`);
    return { kind: 'pass', ...effects };
  }
  if (dir.base !== undefined) {
    log.trace(2, `trying to replace prefix ${directory} with ${dir.base}`);
    result = substPrefixPath(result, directory, dir.base);
  } else if (result.startsWith(`${plan.documentRoot}/`)) {
    log.trace(2, `strip document_root prefix: ${result} -> ${result.slice(plan.documentRoot.length)}`);
    result = result.slice(plan.documentRoot.length);
  }
  log.trace(1, `internal redirect with ${result} [INTERNAL REDIRECT]`);
  return { kind: 'internal', target: result + (s.args !== undefined ? `?${s.args}` : ''), from, ...effects };
}
