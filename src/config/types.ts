// The directive-table contract: every module declares its directives as rows of data, the way httpd's
// modules declare command_rec tables. config/apply.ts is the only code that checks argument counts and
// contexts; a row's apply() only interprets values.
import type { Diagnostic, Loc, Word } from '../../grammar/ast.js';

/** httpd's cmd_how: how many words a directive takes. The messages for a wrong count live in arity.ts. */
export type Arity =
  | 'NO_ARGS'
  | 'FLAG' // On|Off
  | 'TAKE1'
  | 'TAKE2'
  | 'TAKE3'
  | 'TAKE12'
  | 'TAKE13'
  | 'TAKE23'
  | 'TAKE123'
  | 'ITERATE' // apply() is called once per word
  | 'ITERATE2' // first word, then apply() once per further word
  | 'TAKE_ARGV' // any number of words (apply() checks)
  | 'RAW_ARGS'; // the raw text after the name (apply() gets words too)

/**
 * Where a directive may stand, as httpd's req_override bits:
 *  - 'server': top level of the main server (RSRC_CONF at top level)
 *  - 'vhost':  directly inside <VirtualHost> (RSRC_CONF)
 *  - 'dir':    inside a per-directory section: <Location>, <LocationMatch>, <Directory>, <Files>, <Proxy>, <If>… (ACCESS_CONF)
 */
export type Where = 'server' | 'vhost' | 'dir';

/** Section kinds a directive can refuse explicitly, as httpd's ap_check_cmd_context NOT_IN_* flags. */
export type SectionClass = 'VirtualHost' | 'Directory' | 'Location' | 'Files' | 'Proxy' | 'If' | 'Limit';

/** The section a directive stands in (innermost), if any. */
export interface SectionFrame {
  /** Canonical section name, e.g. 'Location', 'ProxyMatch'. */
  readonly name: string;
  readonly cls: SectionClass;
  readonly args: readonly Word[];
  readonly loc: Loc;
  /** The per-directory scope this section opened (undefined for <VirtualHost>). */
  readonly dir?: DirScope;
}

/** Where apply() is running, and how it reports. */
export interface Site {
  readonly loc: Loc;
  readonly name: string; // as written by the user
  readonly words: readonly Word[];
  readonly rawArgs: string;
  /** Innermost enclosing section first; empty at top level. */
  readonly sections: readonly SectionFrame[];
  readonly server: ServerScope; // the main server, or the enclosing <VirtualHost>
  readonly dir: DirScope | undefined; // the innermost per-directory scope, if any
  readonly model: ConfigModel;
  /** Report a located problem; `word` (or the directive) gives the position. */
  report(severity: 'error' | 'warning' | 'notice', message: string, word?: Word, code?: string): void;
}

/** What apply() returns: undefined for success, or an error message located at the directive (httpd's const char *). */
export type ApplyResult = string | undefined | void;

export interface DirectiveDef<S = any, D = any> {
  readonly name: string; // canonical spelling; looked up case-insensitively
  readonly args: Arity;
  readonly where: readonly Where[];
  /** Sections this directive refuses even though `where` allows 'dir' ("X cannot occur within <Directory> section"). */
  readonly notIn?: readonly SectionClass[];
  readonly help: string;
  /**
   * `conf` is the module's config object for the scope the directive stands in: the per-directory one inside a
   * per-directory section, otherwise the server (or virtual host) one. `args` are the unquoted words
   * (one word for ITERATE, two for ITERATE2).
   */
  apply(conf: { server: S; dir: D | undefined }, args: readonly string[], at: Site): ApplyResult;
  /** Set when httpd would not know this spelling: --check warns that it is tsproxyd's own. */
  readonly tsproxydOnly?: string;
  /**
   * A row whose apply() does nothing, and why: 'ignored' (acceptRow: accepted so that httpd configurations load, it
   * changes nothing in tsproxyd), 'read-phase' (readPhaseRow: run by config/preprocess.ts while files are read).
   * docs/migration.md is generated from it.
   */
  readonly effect?: 'ignored' | 'read-phase';
}

export interface ModuleDef<S = any, D = any> {
  /** Short name, as LogLevel and docs use it: 'proxy', 'rewrite'. */
  readonly name: string;
  /** httpd module identifier: 'proxy_module'. */
  readonly id: string;
  /** httpd source file name: 'mod_proxy.c'. */
  readonly source: string;
  /**
   * false for modules tsproxyd only knows so that a stock httpd.conf loads: their directives exist only after
   * `LoadModule`, as in httpd. Default true: built in, like httpd's compiled-in modules (`httpd -l`).
   */
  readonly builtin?: boolean;
  /** Set when tsproxyd accepts the module's directives but they change nothing (one notice per config says so). */
  readonly ignoredBecause?: string;
  readonly createServer: () => S;
  readonly createDir: () => D;
  readonly directives: readonly DirectiveDef<S, D>[];
  readonly sections?: readonly SectionDef[];
  /** Lines for `tsproxyd -S`: what this module compiled for one server (routes, rules…). */
  readonly describe?: (server: ServerScope, model: ConfigModel) => readonly string[];
  /** Checks that need the whole model (after every directive ran), e.g. shadowed ProxyPass warnings. */
  readonly finish?: (model: ConfigModel, report: (d: Diagnostic) => void) => void;
}

/** A container this module declares: <VirtualHost>, <Location>, <Proxy>… (not the <If*> preprocessor sections). */
export interface SectionDef {
  readonly name: string; // without '<': 'Location'
  readonly cls: SectionClass;
  readonly where: readonly Where[];
  /** 'vhost' opens a ServerScope, 'dir' a per-directory scope. */
  readonly opens: 'vhost' | 'dir';
  readonly help: string;
  /** Sections this one refuses to stand in, as DirectiveDef.notIn. */
  readonly notIn?: readonly SectionClass[];
  /** <Else>: the opening tag takes no words. */
  readonly noArgs?: boolean;
  /** The error for words after a `noArgs` tag, when the module words it its own way. */
  readonly noArgsMessage?: string;
  /** Validates the words of the opening tag (regexes, addresses); undefined when they are fine. */
  check?(args: readonly string[], at: Site): ApplyResult;
  readonly tsproxydOnly?: string;
}

/** A per-directory scope: a <Location>, <LocationMatch>, <Directory>, <Files>, <Proxy>, <ProxyMatch>, <If>… section. */
export interface DirScope {
  readonly section: string; // canonical section name
  readonly args: readonly string[];
  readonly loc: Loc;
  readonly confs: Map<string, unknown>; // module name → that module's dir config
  readonly parent: DirScope | undefined; // an enclosing per-directory section (<If> inside <Location>)
}

/** The main server or one <VirtualHost>. */
export interface ServerScope {
  readonly isVirtual: boolean;
  /** The <VirtualHost addr:port …> words (empty for the main server). */
  readonly addrs: readonly string[];
  readonly loc: Loc;
  readonly confs: Map<string, unknown>; // module name → that module's server config
  /** Per-directory sections directly in this server, in file order. */
  readonly dirs: DirScope[];
}

export interface ConfigModel {
  readonly main: ServerScope;
  readonly vhosts: ServerScope[];
  /** Every file read, in order (the main file first). */
  readonly files: string[];
  readonly defines: ReadonlyMap<string, string | undefined>;
  readonly serverRoot: string;
}

/** Typed access to a module's server config in a scope. */
export function serverConf<S>(scope: ServerScope, mod: ModuleDef<S, unknown>): S {
  let c = scope.confs.get(mod.name) as S | undefined;
  if (c === undefined) {
    c = mod.createServer();
    scope.confs.set(mod.name, c);
  }
  return c;
}

/** Typed access to a module's per-directory config in a scope. */
export function dirConf<D>(scope: DirScope, mod: ModuleDef<unknown, D>): D {
  let c = scope.confs.get(mod.name) as D | undefined;
  if (c === undefined) {
    c = mod.createDir();
    scope.confs.set(mod.name, c);
  }
  return c;
}
