// Per-backend error state, as mod_proxy keeps it in worker->s->status and error_time (proxy_util.c):
// a failed connect puts the worker "in error" for retry= seconds (default 60); until then requests get 503 at
// once without connecting (AH00940 "disabled connection"); after that one request may try again.
//
// Checked against apache2 2.4.71: a plain ProxyPass worker carries the I flag ("ignore errors") by default, so it
// is never put in error state — every request tries to connect (two AH00957 lines, no AH00959). With status=-I
// (or as a balancer member) the worker is disabled for retry= seconds. tsproxyd does the same.
import type { Backend } from '../route/types.js';

const DEFAULT_RETRY_MS = 60_000;

export function ignoresErrors(b: Backend): boolean {
  const s = b.params.status;
  if (s === undefined) return true;
  if (s.set.includes('I')) return true;
  return !s.clear.includes('I');
}

export class WorkerStates {
  readonly #errorAt = new Map<string, number>();

  /** undefined when the worker may be used; else why not (for the log). */
  unusable(b: Backend, now: number): string | undefined {
    const s = b.params.status?.set ?? '';
    if (s.includes('D') || s.includes('S')) return `worker ${b.key} is ${s.includes('S') ? 'stopped' : 'disabled'}`;
    const at = this.#errorAt.get(b.key);
    if (at === undefined) return undefined;
    const retry = b.params.retryMs ?? DEFAULT_RETRY_MS;
    if (now >= at + retry) {
      this.#errorAt.delete(b.key); // ap_proxy_retry_worker: marked for retry
      return undefined;
    }
    return `worker ${b.key} in error state for ${Math.ceil((at + retry - now) / 1000)}s more`;
  }

  /** A connect failed: disable the worker for retry= unless it ignores errors (or retry=0). */
  connectFailed(b: Backend, now: number): boolean {
    if (ignoresErrors(b) || (b.params.retryMs ?? DEFAULT_RETRY_MS) === 0) return false;
    this.#errorAt.set(b.key, now);
    return true;
  }

  connected(b: Backend): void {
    this.#errorAt.delete(b.key);
  }
}
