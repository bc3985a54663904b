import type { Loc } from '../../../grammar/ast.js';
import type { HcCondition } from '../../balancer/hcheck-cond.js';
import type { TargetUrl } from './target-url.js';
import type { BalancerParams, WorkerParams } from './worker-params.js';

/** One ProxyPass / ProxyPassMatch (or the one-line Proxy / ProxyMatch spelling), in config order. */
export interface ProxyRoute {
  readonly kind: 'prefix' | 'regex';
  /** The URL-path prefix, or the regex source. */
  readonly path: string;
  /** Compiled once, at load (regex routes only). */
  readonly regex: RegExp | undefined;
  /** undefined for `!` (do not proxy; stops the walk). */
  readonly target: TargetUrl | undefined;
  readonly params: Readonly<WorkerParams>;
  /** For balancer:// targets: the balancer keys given on this line. */
  readonly balancerParams: Readonly<BalancerParams>;
  readonly nocanon: boolean;
  readonly interpolate: boolean;
  readonly noquery: boolean;
  readonly spelling: 'ProxyPass' | 'ProxyPassMatch' | 'Proxy' | 'ProxyMatch';
  readonly loc: Loc;
  /** Set when the rule stands in a <Location>/<LocationMatch> (path taken from the section). */
  readonly inLocation: boolean;
}

/** ProxyPassReverseCookieDomain / ProxyPassReverseCookiePath. */
export interface CookieRule {
  readonly from: string;
  readonly to: string;
  readonly interpolate: boolean;
  readonly loc: Loc;
}

export interface ReverseRule {
  readonly path: string;
  readonly url: string;
  readonly interpolate: boolean;
  readonly loc: Loc;
}

export interface BalancerMember {
  readonly url: TargetUrl;
  readonly params: Readonly<WorkerParams>;
  readonly loc: Loc;
  /** The ProxyHCExpr its hcexpr names, resolved where the member is defined (src/modules/proxy/hcheck.ts). */
  readonly hcCondition?: HcCondition;
}

export interface BalancerDef {
  readonly name: string; // as in balancer://NAME
  readonly members: BalancerMember[];
  params: BalancerParams;
  readonly loc: Loc;
}

export interface ProxyServerConf {
  readonly routes: ProxyRoute[];
  readonly reverse: ReverseRule[];
  readonly reverseCookieDomain: CookieRule[];
  readonly reverseCookiePath: CookieRule[];
  readonly balancers: Map<string, BalancerDef>;
  /** ProxySet on a plain worker URL: params by URL. */
  readonly workerParams: Map<string, WorkerParams>;
  preserveHost?: boolean;
  addHeaders?: boolean;
  timeoutMs?: number;
  via?: 'Off' | 'On' | 'Full' | 'Block';
  requests?: boolean;
  errorOverride?: { on: boolean; codes: readonly number[] };
  passInherit?: boolean;
  interpolateEnv?: boolean;
  badHeader?: 'IsError' | 'Ignore' | 'StartBody';
  maxForwards?: number;
  status?: 'Off' | 'On' | 'Full';
  continue100?: boolean;
  sourceAddress?: string;
  ioBufferSize?: number;
  receiveBufferSize?: number;
}

export interface ProxyDirConf {
  /** The ProxyPass of a <Location>/<LocationMatch> (httpd keeps one: the last). */
  route?: ProxyRoute;
  readonly reverse: ReverseRule[];
  readonly reverseCookieDomain: CookieRule[];
  readonly reverseCookiePath: CookieRule[];
  preserveHost?: boolean;
  addHeaders?: boolean;
  errorOverride?: { on: boolean; codes: readonly number[] };
  interpolateEnv?: boolean;
  continue100?: boolean;
  /** ProxySet inside <Proxy url>: worker (or balancer) params for that URL. */
  params?: WorkerParams;
  balancerParams?: BalancerParams;
}
