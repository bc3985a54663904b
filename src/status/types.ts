// What the status pages read, as small read-only interfaces: the balancer runtime (src/balancer) and the server's
// counters (src/server) satisfy them structurally, so neither depends on this module.
import type { Backend } from '../route/types.js';

/** One balancer member as the pages show it (src/balancer/member.ts MemberState). */
export interface MemberView {
  readonly name: string;
  readonly route: string;
  readonly redirect: string;
  readonly lbset: number;
  /** loadfactor × 100. */
  readonly lbfactor: number;
  readonly flags: ReadonlySet<string>;
  readonly errorTime: number;
  readonly retryMs: number;
  /** byrequests' lbstatus (httpd's "Load" column). */
  readonly lbstatus: number;
  readonly elected: number;
  readonly busy: number;
  readonly transferred: number;
  readonly read: number;
}

/** One balancer (src/balancer/runtime.ts BalancerRuntime). */
export interface BalancerView {
  /** balancer://name */
  readonly name: string;
  readonly members: readonly MemberView[];
  readonly def: {
    readonly params: {
      readonly lbmethod?: string;
      readonly stickysession?: string;
      readonly nofailover?: boolean;
      readonly timeoutMs?: number;
      readonly maxattempts?: number;
    };
  };
  readonly maxAttempts: number;
}

/** What a handler may show of the server that answers: fixed when the configuration is compiled. */
export interface HandlerScope {
  /** ServerName of the serving server. */
  readonly serverName: string;
  /** ProxyStatus: the balancers' lines in `?auto` (as httpd's mod_proxy status hook), Off by default. */
  readonly proxyStatus: 'Off' | 'On' | 'Full';
  /** The server's balancers with their runtime state (created on first use, shared with the forwarder). */
  readonly balancers: () => readonly BalancerView[];
  /** Every backend (worker) the server's ProxyPass lines name, once each. */
  readonly backends: readonly Backend[];
}

/** A request tsproxyd answers itself (a respond decision's `handler`). */
export interface LocalHandler {
  readonly name: 'server-status' | 'balancer-manager';
  readonly scope: HandlerScope;
}
