// What compile.ts prepares for route(): the compiled matcher state of one server. Read only by src/route.
import type { Loc } from '../../grammar/ast.js';
import type { BalancerDef, ProxyRoute } from '../modules/proxy/types.js';
import type { BalancerStates } from '../balancer/runtime.js';
import type { WorkerParams } from '../modules/proxy/worker-params.js';
import type { PathOptions } from './canon-path.js';
import type { PrefixIndex } from './prefix-index.js';
import type { Backend, ProxySettings } from './types.js';
import type { RewritePlan } from '../rewrite/types.js';
import type { PerDirPlan } from '../rewrite/fixup.js';
import type { RewriteDirConf } from '../modules/rewrite/model.js';
import type { HandlerScope } from '../status/types.js';
import type { CompiledProxySection, SectionAuthz } from './access.js';

/** One ProxyPass / ProxyPassMatch ready to match. */
export interface CompiledRule {
  readonly route: ProxyRoute;
  readonly kind: 'prefix' | 'regex';
  /** The prefix, as bytes (prefix rules). */
  readonly path: string;
  readonly regex: RegExp | undefined;
  /** The backend when it is known at load (not `!`, not balancer://, no $N in scheme://host:port). */
  readonly backend: Backend | undefined;
  /** The balancer of a balancer:// target (undefined when no <Proxy balancer://…> or BalancerMember defines it). */
  readonly balancer: BalancerDef | undefined;
  /**
   * `interpolate` with ProxyPassInterpolateEnv On and a ${VAR} in the path or URL: both are filled in per request
   * (route/interpolate.ts), the rule is matched outside the prefix index, and its worker is found from the final URL.
   */
  readonly interpolate: boolean;
  /**
   * The worker is looked up from the final URL, as httpd always does, rather than taken from the rule: for
   * interpolated rules, and for rules whose written URL path is not canonical (`/${X}/` is forwarded as
   * `/$%7BX%7D/…`, which no longer starts with the worker's name, so httpd uses its default worker).
   */
  readonly workerByUrl: boolean;
  readonly loc: Loc;
}

/** One <Location>/<LocationMatch> (main server's first, then the vhost's, in file order). */
export interface CompiledLocation {
  /** prefix: segment-aware like alias_match; fnmatch: a <Location> with wildcards; regex: ~ or LocationMatch. */
  readonly kind: 'prefix' | 'fnmatch' | 'regex';
  readonly path: string;
  readonly regex: RegExp | undefined;
  /** The section's own ProxyPass (the last one in it). */
  readonly rule: CompiledRule | undefined;
  readonly loc: Loc;
  /** The section's RewriteEngine/RewriteOptions/RewriteBase/RewriteRules, when it has any. */
  readonly rewrite?: RewriteDirConf;
  /** SetHandler, lower-case ('none' clears an earlier section's). */
  readonly handler?: string;
  /** The section's Require rules and AuthMerging (mod_authz_core), when it has any. */
  readonly authz?: SectionAuthz;
}

/** A <VirtualHost> address: host undefined for '*' and '_default_'; port undefined for ':*' or no port. */
export interface VhostAddr {
  readonly host: string | undefined;
  readonly port: number | undefined;
}

export interface ServerRouting {
  /** Main-server rules first, then the server's own (httpd appends them whatever ProxyPassInherit says). */
  readonly rules: readonly CompiledRule[];
  readonly index: PrefixIndex;
  readonly locations: readonly CompiledLocation[];
  readonly pathOptions: PathOptions;
  readonly vhostAddrs: readonly VhostAddr[];
  /** ServerName (lower-case, no port). */
  readonly serverName: string;
  /** ServerAlias patterns: plain names, or compiled fnmatch patterns. */
  readonly aliasNames: ReadonlySet<string>;
  readonly aliasPatterns: readonly RegExp[];
  /** ProxySet params by normalised worker URL (main's, then the server's). */
  readonly workerParams: readonly { readonly url: string; readonly params: Readonly<WorkerParams> }[];
  readonly balancers: ReadonlyMap<string, BalancerDef>;
  /** The balancers' runtime state (src/balancer), one per Plan. */
  readonly balancerStates: BalancerStates;
  /** Settings for the server with the given matching <Location> sections (indices into `locations`), memoised. */
  readonly settingsFor: (matched: readonly number[]) => ProxySettings;
  /** Whether a <Location> sets a handler tsproxyd serves itself (route/handler.ts looks only then). */
  readonly hasHandlers: boolean;
  /** Whether any <Location> or <Proxy> section has Require rules (route/access.ts looks only then). */
  readonly hasAuthz: boolean;
  /** <Proxy>/<ProxyMatch> sections with Require rules (main server's first), matched against the backend URL. */
  readonly proxySections: readonly CompiledProxySection[];
  /** What such a handler shows of this server. */
  readonly handlerScope: HandlerScope;
  /** The server's RewriteRules (src/rewrite), undefined when its RewriteEngine is off or it has none. */
  readonly rewrite?: RewritePlan;
  /** What the <Location> sections' RewriteRules need, undefined when none has any (src/rewrite/fixup.ts). */
  readonly rewriteDirs?: PerDirPlan;
}
