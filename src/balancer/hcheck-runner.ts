// mod_proxy_hcheck's watchdog for one loaded configuration: every balancer member with an hcmethod is checked every
// hcinterval, off the request path, and its result counted on the member's state (MemberState.healthChecked), which
// select.ts already honours (+C members are not usable). As in httpd only balancer members are checked (the
// watchdog walks the balancers), stopped (+S) ones are skipped, and the first check comes one interval after the
// start. tsproxyd's differences: a member's next check is due one interval after its previous one ended (httpd
// polls every 100 ms for members whose interval has passed: the same spacing), at most ProxyHCTPsize (default 16;
// 0: one at a time) checks run at once, and each is bounded in time (the member's timeout=, else the shorter of 5 s
// and hcinterval but at least 1 s; connectiontimeout= for the connection).
//
// Owned by the server (src/server/server.ts): started when it listens, stopped when it closes or a reload replaces
// the configuration (the new one has its own checker and member states). Timers are unref'd, so a checker never
// keeps the process alive, and after stop() no probe is left running and no result is counted.
import type { Plan } from '../route/types.js';
import type { BackendTls } from '../proxy/backend-tls.js';
import { hcConditionHolds, type HcCondition } from './hcheck-cond.js';
import { probe as netProbe, type ProbeResult, type ProbeSpec } from './hcheck-probe.js';
import type { MemberState } from './member.js';

export const DEFAULT_HC_INTERVAL_MS = 30_000;
export const DEFAULT_HC_TPSIZE = 16;
const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, ws: 80, https: 443, wss: 443 };

/** One member to check, with everything its checks need. */
export interface HcTarget {
  /** balancer://name */
  readonly balancer: string;
  readonly member: MemberState;
  readonly spec: ProbeSpec;
  readonly intervalMs: number;
  readonly passes: number;
  readonly fails: number;
  readonly condition?: HcCondition;
}

/** The target of a member with an hcmethod (other than NONE), or undefined when it has none or cannot be checked. */
export function hcTargetOf(balancer: string, member: MemberState, backendTls: BackendTls): HcTarget | undefined {
  const p = member.def.params;
  const method = p.hcmethod;
  if (method === undefined || method === 'NONE') return undefined;
  const url = member.def.url;
  const scheme = url.scheme;
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ws' && scheme !== 'wss') return undefined;
  const intervalMs = p.hcintervalMs ?? DEFAULT_HC_INTERVAL_MS;
  const timeoutMs = p.timeoutMs ?? Math.max(1000, Math.min(5000, intervalMs));
  // create_hcheck_req: the member's path, '/' and hcuri when both are there ("/app" + "/" + "/health").
  const hcuri = p.hcuri ?? '';
  const target = url.path + (url.path !== '' && hcuri !== '' ? '/' : '') + hcuri || '/';
  return {
    balancer,
    member,
    intervalMs,
    passes: p.hcpasses ?? 1,
    fails: p.hcfails ?? 1,
    ...(member.def.hcCondition !== undefined ? { condition: member.def.hcCondition } : {}),
    spec: {
      method,
      scheme,
      host: url.host,
      port: url.port ?? DEFAULT_PORT[scheme]!,
      target,
      connectTimeoutMs: p.connectionTimeoutMs ?? timeoutMs,
      timeoutMs,
      ...(p.pingMs !== undefined ? { pingMs: p.pingMs } : {}),
      tls: backendTls,
    },
  };
}

/**
 * Whether a probe's outcome passes the check: TCP and WS when they succeeded; an HTTP method when the answer came
 * and the hcexpr condition holds on it, or, without one, its status is 2xx or 3xx.
 */
export function checkPassed(t: HcTarget, r: ProbeResult): boolean {
  if (!r.ok) return false;
  const res = r.response;
  if (t.spec.method === 'TCP' || t.spec.method === 'WS' || res === undefined) return true;
  if (t.condition !== undefined) return hcConditionHolds(t.condition, res);
  return res.status >= 200 && res.status <= 399;
}

export interface HealthCheckerOptions {
  /** How many checks may run at once (ProxyHCTPsize; 0 is taken as 1). */
  readonly concurrency: number;
  readonly log: (line: string) => void;
  /** The network part (tests replace it). */
  readonly probe?: (spec: ProbeSpec, signal: AbortSignal) => Promise<ProbeResult>;
}

export class HealthChecker {
  readonly #opts: HealthCheckerOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abort = new AbortController();
  readonly #queue: HcTarget[] = [];
  #running = 0;
  #state: 'new' | 'running' | 'stopped' = 'new';

  constructor(
    readonly targets: readonly HcTarget[],
    opts: HealthCheckerOptions,
  ) {
    this.#opts = opts;
  }

  /** Schedules every target's first check one interval from now (once; never after stop()). */
  start(): void {
    if (this.#state !== 'new') return;
    this.#state = 'running';
    for (const t of this.targets) this.#schedule(t);
  }

  /** No further check starts; those under way are aborted and their results dropped. */
  stop(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#abort.abort();
  }

  get stopped(): boolean {
    return this.#state === 'stopped';
  }

  /** Checks currently running. */
  get running(): number {
    return this.#running;
  }

  /** One check of `t` now, its result counted on the member; resolves with whether it passed (undefined: not made). */
  async check(t: HcTarget): Promise<boolean | undefined> {
    if (this.#state === 'stopped' || t.member.has('S')) return undefined;
    let r: ProbeResult;
    try {
      r = await (this.#opts.probe ?? netProbe)(t.spec, this.#abort.signal);
    } catch (err) {
      r = { ok: false, reason: (err as Error).message };
    }
    if (this.stopped) return undefined;
    let passed: boolean;
    try {
      passed = checkPassed(t, r);
    } catch (err) {
      this.#opts.log(`[proxy_hcheck:info] AH03301: Error on checking condition ${t.condition?.name ?? ''} for ${t.member.name}: ${(err as Error).message}`);
      passed = false;
    }
    const m = t.member;
    const why = r.ok ? (r.response !== undefined && t.spec.method !== 'WS' ? `status ${r.response.status}${t.condition !== undefined ? `, condition ${t.condition.name} ${passed ? 'passed' : 'failed'}` : ''}` : 'ok') : r.reason;
    this.#opts.log(`[proxy_hcheck:debug] AH03251: Health check ${t.spec.method} ${passed ? 'passed' : 'failed'} (${why}) for ${m.name} in ${t.balancer}`);
    const change = m.healthChecked(passed, Date.now(), t.passes, t.fails);
    if (change === 'disabled') this.#opts.log(`[proxy_hcheck:info] AH03303: Health check DISABLING ${m.name} in ${t.balancer} (${why})`);
    if (change === 'enabled') this.#opts.log(`[proxy_hcheck:info] AH03302: Health check ENABLING ${m.name} in ${t.balancer}`);
    return passed;
  }

  #schedule(t: HcTarget): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#queue.push(t);
      this.#pump();
    }, t.intervalMs);
    timer.unref();
    this.#timers.add(timer);
  }

  #pump(): void {
    const limit = Math.max(1, this.#opts.concurrency);
    while (this.#state === 'running' && this.#running < limit && this.#queue.length > 0) {
      const t = this.#queue.shift()!;
      this.#running++;
      void this.check(t).finally(() => {
        this.#running--;
        if (this.#state !== 'running') return;
        this.#schedule(t);
        this.#pump();
      });
    }
  }
}

/**
 * The checker of a compiled configuration: every balancer (once, whichever servers use it) with a member to check,
 * with the SSLProxy* settings of the first server that has it; undefined when no member has an hcmethod.
 */
export function healthCheckerFor(plan: Plan, log: (line: string) => void, tpsize = DEFAULT_HC_TPSIZE): HealthChecker | undefined {
  const seen = new Set<unknown>();
  const targets: HcTarget[] = [];
  for (const server of [plan.main, ...plan.vhosts]) {
    for (const def of server.routing.balancers.values()) {
      if (seen.has(def)) continue;
      seen.add(def);
      const runtime = server.routing.balancerStates.of(def);
      for (const m of runtime.members) {
        const t = hcTargetOf(runtime.name, m, server.settings.backendTls);
        if (t !== undefined) targets.push(t);
      }
    }
  }
  return targets.length === 0 ? undefined : new HealthChecker(targets, { concurrency: tpsize, log });
}
