// One balancer member's runtime state, as httpd keeps it in the worker's shared slot (proxy_worker_shared):
// status flags, the time it went into error, the lbmethods' counters. Config values are copied in once.
//
// Flags (mod_proxy.h PROXY_WORKER_*): D disabled, S stopped, I ignore errors, R hot spare, H hot standby,
// E in error, N draining, C health check failed. "Usable" is httpd's PROXY_WORKER_IS_USABLE: none of D S E C.
import type { BalancerMember } from '../modules/proxy/types.js';

export const DEFAULT_RETRY_MS = 60_000;

export type MemberFlag = 'D' | 'S' | 'I' | 'R' | 'H' | 'E' | 'N' | 'C';

export class MemberState {
  /** BALANCER_WORKER_NAME: the member URL as written (httpd's worker name). */
  readonly name: string;
  readonly route: string;
  readonly redirect: string;
  readonly lbset: number;
  /** loadfactor × 100, truncated, as httpd 2.4 normalises it (1 → 100, 2.5 → 250). */
  readonly lbfactor: number;
  readonly retryMs: number;
  readonly flags = new Set<MemberFlag>();
  /** When it went into error (ms); -Infinity for a member configured with +E (retried on first use, as httpd). */
  errorTime = Number.NEGATIVE_INFINITY;
  /** byrequests/bybusyness: how urgently this member has to work to fulfil its quota. */
  lbstatus = 0;
  /** Requests in flight (bybusyness). */
  busy = 0;
  /** Times picked, times taken out of error (for logs and tests). */
  elected = 0;
  retries = 0;
  /** bytraffic: bytes sent to and read from the member. */
  transferred = 0;
  read = 0;
  /** mod_proxy_hcheck's pcount and fcount: passed checks while failed, failed checks while not. */
  hcPassed = 0;
  hcFailed = 0;

  constructor(readonly def: BalancerMember, readonly index: number) {
    const p = def.params;
    this.name = def.url.raw;
    this.route = p.route ?? '';
    this.redirect = p.redirect ?? '';
    this.lbset = p.lbset ?? 0;
    this.lbfactor = Math.trunc((p.loadfactor ?? 1) * 100);
    this.retryMs = p.retryMs ?? DEFAULT_RETRY_MS;
    for (const f of p.status?.set ?? '') this.flags.add(f as MemberFlag);
    for (const f of p.status?.clear ?? '') this.flags.delete(f as MemberFlag);
  }

  has(f: MemberFlag): boolean {
    return this.flags.has(f);
  }

  usable(): boolean {
    const f = this.flags;
    return !(f.has('D') || f.has('S') || f.has('E') || f.has('C'));
  }

  /** ap_proxy_retry_worker: a member in error whose retry= has elapsed (or that ignores errors) is taken out of error; never a stopped one. */
  retry(now: number): void {
    if (!this.flags.has('E') || this.flags.has('S')) return;
    if (this.flags.has('I') || now >= this.errorTime + this.retryMs) {
      this.retries++;
      this.flags.delete('E');
    }
  }

  /**
   * One health check's outcome (hc_check in mod_proxy_hcheck.c): a member that is health-check-failed (+C) or in
   * error (+E) comes back, both flags cleared, after `passes` passed checks; any other gets +C after `fails` failed
   * ones. As in httpd the counts are not reset by a check of the other outcome, and a +C member's failed checks and
   * a healthy member's passed ones count nothing. Returns what changed, for the log.
   */
  healthChecked(passed: boolean, now: number, passes: number, fails: number): 'enabled' | 'disabled' | undefined {
    if (this.flags.has('C') || this.flags.has('E')) {
      if (!passed || ++this.hcPassed < passes) return undefined;
      this.flags.delete('C');
      this.flags.delete('E');
      this.hcPassed = 0;
      return 'enabled';
    }
    if (passed) return undefined;
    this.errorTime = now;
    if (++this.hcFailed < fails) return undefined;
    this.flags.add('C');
    this.hcFailed = 0;
    return 'disabled';
  }

  /** Put in error state now, unless the member ignores errors (+I). Returns whether it was. */
  fail(now: number): boolean {
    if (this.flags.has('I')) return false;
    this.flags.add('E');
    this.errorTime = now;
    return true;
  }
}
