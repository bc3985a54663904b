// The rewrite engine's contract (mod_rewrite's runtime, httpd 2.4.71): a RewritePlan compiled once per server
// (plan.ts), the request it runs on (RewriteRequest), and what it decides (RewriteOutcome), which src/route turns
// into a Decision. Pure: no sockets; map files are read at load (map-store.ts).
import type { Loc } from '../../grammar/ast.js';
import type { RewriteMapDef, RewriteOption, RewriteRule } from '../modules/rewrite/model.js';
import type { RequestFacts } from '../route/types.js';
import type { MapStore } from './map-store.js';

/** One server's rewrite phase (httpd's merged rewrite_server_conf), or none when the engine is off. */
export interface RewritePlan {
  readonly rules: readonly RewriteRule[];
  readonly options: ReadonlySet<RewriteOption>;
  readonly maps: MapStore;
  /** What %{SERVER_NAME}, redirects and the trace need to know about the server. */
  readonly server: RewriteServerInfo;
  /** LogLevel rewrite:traceN: 0 = no trace lines are built. */
  readonly traceLevel: number;
}

export interface RewriteServerInfo {
  /** ServerName without port (lower-case). */
  readonly name: string;
  /** ServerName's port, 0 when it has none (httpd's s->port). */
  readonly port: number;
  readonly aliases: readonly string[];
  /** <VirtualHost> addresses as written: host (lower-case, undefined for '*'/_default_) and port (undefined: any). */
  readonly addrs: readonly { readonly host: string | undefined; readonly port: number | undefined }[];
  readonly useCanonicalName: 'On' | 'Off' | 'DNS';
  readonly serverAdmin: string;
  /** 2 × LimitRequestLine: a rewritten filename longer than this is a 500 (looping rules). */
  readonly maxFilename: number;
  /** For the trace's [name/sid#…]. */
  readonly sid: string;
}

/** The request as mod_rewrite's translate_name hook sees it. */
export interface RewriteRequest {
  readonly facts: RequestFacts;
  /** r->uri: the decoded, normalised path (a byte string). */
  readonly uri: string;
  /** r->args: the raw query string, undefined without '?'. */
  readonly args: string | undefined;
  /** The request's host name as virtual-host selection normalised it (r->hostname), undefined without one. */
  readonly hostname: string | undefined;
  /** The port the client named (Host header, or an absolute-form request-target), undefined when none. */
  readonly hostPort?: number;
  /** Clock for %{TIME…} and [CO] lifetimes (default: now). */
  readonly now?: Date;
  /** After an internal redirect: the first request's environment (REDIRECT_-prefixed) and cookies. */
  readonly carry?: RewriteCarry;
}

export interface RewriteCarry {
  readonly env: ReadonlyMap<string, string>;
  readonly cookies: readonly string[];
}

/** Side effects every outcome carries: [E] variables, [CO] cookies, log lines. */
export interface RewriteEffects {
  /** The request's environment as the rules left it (SCRIPT_URL, SCRIPT_URI and [E] variables). */
  readonly env: ReadonlyMap<string, string>;
  /** Set-Cookie values from [CO] (httpd puts them in err_headers_out: every response carries them). */
  readonly cookies: readonly string[];
  /** "[rewrite:traceN] …" lines (when the plan's traceLevel asks) and "[rewrite:error] AH…" lines. */
  readonly log: readonly string[];
  /**
   * [T=type] of the last rule that set it (expanded, lower-cased): the response's Content-Type when the backend
   * sends none (httpd sets r->content_type in its type_checker; a backend's own Content-Type replaces it).
   */
  readonly forcedType?: string;
}

export type RewriteOutcome = RewriteEffects &
  (
    | { readonly kind: 'pass' } // no rule changed anything: ProxyPass matching as usual
    /** [PT]: proxy translation goes on with this path and query (httpd sets r->uri and r->args). */
    | { readonly kind: 'passthrough'; readonly uri: string; readonly args: string | undefined; readonly from: Loc }
    /** A local path without [PT]: httpd maps it to the file system; tsproxyd serves no files. */
    | { readonly kind: 'local'; readonly path: string; readonly from: Loc }
    /** [P]: the fully qualified URL (without "proxy:"); `raw` = [NE] (proxy-nocanon: the query is in `url`). */
    | { readonly kind: 'proxy'; readonly url: string; readonly args: string | undefined; readonly raw: boolean; readonly from: Loc }
    | { readonly kind: 'redirect'; readonly status: number; readonly location: string; readonly from: Loc }
    /** [F], [G], [R=4xx], the N round limit, the CVE checks… */
    | { readonly kind: 'status'; readonly status: number; readonly reason: string; readonly from: Loc | undefined }
  );

/**
 * The answers RewriteMap programs gave for one request (prg.ts): route() never waits for a program; a lookup with no
 * answer yet is recorded and fails for this pass, and the caller routes again once the program answered.
 */
export interface MapAnswers {
  /** The program's line, null when the lookup failed ("NULL", a dead program), undefined when not asked yet. */
  answer(def: RewriteMapDef, key: string): string | null | undefined;
}
