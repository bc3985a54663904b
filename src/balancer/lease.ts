// One request's hold on a balancer: the member of the current attempt, and what happens after it — mod_proxy's
// proxy_handler loop and mod_proxy_balancer's post_request:
//   - the attempt failed with 503 (a refused or timed-out connect): the member goes into error (unless +I) and,
//     while it is unusable and fewer than maxattempts retries were made, the request is picked again (a sticky
//     route now falls over to another member, or gets 503 with nofailover=On);
//   - it failed with 500 (TLS handshake, DNS): the member goes into error, no other member is tried;
//   - the backend answered: a status listed in failonstatus puts the member in error (the answer is still relayed);
//     failontimeout does the same for a backend that timed out;
//   - at the end busy counts are given back and the traffic is counted (bytraffic).
// The caller builds what an attempt needs from a pick (`build`), so this file knows nothing of HTTP.
import type { MemberState } from './member.js';
import type { BalancerRuntime, PickInput } from './runtime.js';

export type Next<T> = { readonly kind: 'attempt'; readonly next: T } | { readonly kind: 'stop'; readonly log?: string };

/**
 * Made by the router for a request to balancer://…, used by the forwarder: the member is chosen when the request is
 * handled (as httpd chooses it in the handler phase, after every translation and fixup), not when it is routed, so
 * a decision that is routed but never forwarded holds nothing.
 */
export class BalancerLease<T> {
  /** Attempts made before the current one. */
  #attempts = 0;
  readonly #held: MemberState[] = [];
  #released = false;
  /** The current attempt's member (undefined before start()). */
  member: MemberState | undefined;
  /** BALANCER_* for the current attempt. */
  env: ReadonlyMap<string, string> = new Map();

  constructor(
    readonly runtime: BalancerRuntime,
    private readonly input: PickInput,
    private readonly build: (member: MemberState) => T,
  ) {}

  /** The first attempt's member. */
  start(now: number): Next<T> {
    return this.#pick(now);
  }

  #pick(now: number): Next<T> {
    const pick = this.runtime.pick(this.input, now);
    if (pick.kind === 'unavailable') return { kind: 'stop', log: pick.log };
    this.#held.push(pick.member);
    this.member = pick.member;
    this.env = pick.env;
    return { kind: 'attempt', next: this.build(pick.member) };
  }

  /**
   * The attempt ended with `status` before any byte of a response reached the client. Returns the next attempt when
   * httpd would make one; `retryable`: nothing of the request was consumed (a refused connect), else no retry.
   */
  failed(status: number, now: number, retryable: boolean): Next<T> {
    const m = this.member;
    if (m === undefined || (status !== 500 && status !== 503)) return { kind: 'stop' };
    m.fail(now);
    if (status === 500 || !retryable) return { kind: 'stop' };
    if (m.usable() || !(this.runtime.maxAttempts > this.#attempts++)) return { kind: 'stop' };
    return this.#pick(now);
  }

  /** The backend answered with `status` (failonstatus): true when the member was put in error. */
  answered(status: number, now: number): boolean {
    const codes = this.runtime.def.params.failonstatus;
    if (this.member === undefined || codes === undefined || !codes.includes(status)) return false;
    return this.member.fail(now);
  }

  /** The backend did not answer within the timeout (failontimeout). */
  timedOut(now: number): boolean {
    return this.member !== undefined && this.runtime.def.params.failontimeout === true && this.member.fail(now);
  }

  /** The request is over (once): every member it held is given back; the traffic goes to the last one. */
  release(sent: number, received: number): void {
    if (this.#released) return;
    this.#released = true;
    for (const m of this.#held) this.runtime.release(m, m === this.member ? sent : 0, m === this.member ? received : 0);
  }
}
