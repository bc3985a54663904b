// One balancer's runtime: its members' states and its parameters, and httpd's proxy_balancer_pre_request — the
// choice of a member for one attempt of one request, with the BALANCER_* environment it exports. Pure but for the
// state it owns; `now` is passed in.
import type { BalancerDef } from '../modules/proxy/types.js';
import { LB_METHODS, type LbMethod } from './lbmethods.js';
import { MemberState } from './member.js';
import { bestMember, countStickyPick, forceRecovery, routeMember } from './select.js';
import { sessionRoute, stickyNames, type SessionRoute, type StickyNames } from './sticky.js';

/** What a pick looks at in the request. */
export interface PickInput {
  /** The forwarded URL as mod_proxy has it (balancer://name/path?query): searched for the sticky URL parameter. */
  readonly url: string;
  /** The Cookie header (repeated fields joined with ", ", as httpd merges them). */
  readonly cookie: string | undefined;
}

export type Pick =
  | { readonly kind: 'member'; readonly member: MemberState; readonly env: ReadonlyMap<string, string>; readonly log?: string }
  | { readonly kind: 'unavailable'; readonly log: string };

export class BalancerRuntime {
  readonly members: readonly MemberState[];
  readonly method: LbMethod;
  readonly sticky: StickyNames | undefined;
  /** BALANCER_NAME. */
  readonly name: string;

  constructor(readonly def: BalancerDef) {
    this.members = def.members.map((m, i) => new MemberState(m, i));
    this.method = LB_METHODS[def.params.lbmethod ?? 'byrequests']!;
    this.sticky = stickyNames(def.params.stickysession);
    this.name = `balancer://${def.name}`;
  }

  /** maxattempts, else one less than the members (httpd's init_balancer_members). */
  get maxAttempts(): number {
    return this.def.params.maxattempts ?? Math.max(0, this.members.length - 1);
  }

  /** forcerecovery (default On). */
  get forceRecovery(): boolean {
    return this.def.params.forcerecovery ?? true;
  }

  /** proxy_balancer_pre_request: force recovery, the sticky route, else the lbmethod; busy count taken. */
  pick(input: PickInput, now: number): Pick {
    const p = this.def.params;
    const recovered = forceRecovery(this.members, this.forceRecovery, now);
    const log = recovered ? `AH01165: ${this.name}: Forcing recovery for every member` : undefined;
    const env = new Map<string, string>();
    let session: SessionRoute | undefined;
    let chosen: MemberState | undefined;
    if (this.sticky !== undefined) {
      session = sessionRoute(this.sticky, input.url, input.cookie, p.stickysessionsep ?? '.', p.scolonpathdelim ?? false);
      if (session !== undefined && session.route !== '') {
        chosen = routeMember(this.members, session.route, now);
        if (chosen !== undefined) {
          if (chosen.route !== session.route) env.set('BALANCER_ROUTE_CHANGED', '1');
          countStickyPick(this.members, chosen);
          chosen.elected++;
        } else if (p.nofailover === true && this.members.some((m) => m.route !== '' && m.route === session!.route)) {
          return { kind: 'unavailable', log: `AH01161: ${this.name}: All workers are in error state for route (${session.route})` };
        }
      }
    }
    if (chosen === undefined) {
      chosen = bestMember(this.members, this.method, now);
      if (chosen === undefined) {
        return { kind: 'unavailable', log: this.members.length > 0 ? `AH01167: ${this.name}: All workers are in error state` : `AH01168: ${this.name}: No workers in balancer` };
      }
      chosen.elected++;
      if (this.sticky !== undefined) env.set('BALANCER_ROUTE_CHANGED', '1');
    }
    chosen.busy++;
    // The common case (no sticky session, no route change): the member's constant variables, made once.
    if (env.size === 0 && session === undefined) return { kind: 'member', member: chosen, env: this.#memberEnv(chosen), ...(log !== undefined ? { log } : {}) };
    env.set('BALANCER_NAME', this.name);
    env.set('BALANCER_WORKER_NAME', chosen.name);
    env.set('BALANCER_WORKER_ROUTE', chosen.route);
    if (session !== undefined) {
      env.set('BALANCER_SESSION_STICKY', session.sticky);
      env.set('BALANCER_SESSION_ROUTE', session.route);
    }
    return { kind: 'member', member: chosen, env, ...(log !== undefined ? { log } : {}) };
  }

  readonly #envs = new Map<MemberState, ReadonlyMap<string, string>>();

  #memberEnv(m: MemberState): ReadonlyMap<string, string> {
    let env = this.#envs.get(m);
    if (env === undefined) {
      env = new Map([
        ['BALANCER_NAME', this.name],
        ['BALANCER_WORKER_NAME', m.name],
        ['BALANCER_WORKER_ROUTE', m.route],
      ]);
      this.#envs.set(m, env);
    }
    return env;
  }

  /** The request (every attempt of it) is over: busy counts back, traffic counted for bytraffic. */
  release(m: MemberState, sent: number, received: number): void {
    if (m.busy > 0) m.busy--;
    m.transferred += sent;
    m.read += received;
  }
}

/**
 * The runtimes of a configuration's balancers, one per <Proxy balancer://…> definition, created on first use and
 * kept for as long as the configuration is served (a reload starts afresh, as httpd's restart does without
 * BalancerPersist).
 */
export class BalancerStates {
  readonly #runtimes = new WeakMap<BalancerDef, BalancerRuntime>();

  of(def: BalancerDef): BalancerRuntime {
    let r = this.#runtimes.get(def);
    if (r === undefined) this.#runtimes.set(def, (r = new BalancerRuntime(def)));
    return r;
  }
}
