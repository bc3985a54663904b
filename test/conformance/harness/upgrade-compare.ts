// The upgrade part of an observation and its checks: what came back on the client's connection after the response
// (the tunnel's echo after a 101, or whatever a proxy does with a smuggling probe after a refusal), and the bytes the
// backend received on an upgrade connection after the request head (pre-payload, tunnelled or smuggled bytes).
import type { BackendRequest } from './backend.js';
import type { AfterExpectation, ExpectedBackendRequest } from './request-cases.js';

export interface AfterObservation {
  readonly back: string;
  readonly closed: boolean;
}

const show = (s: string): string => JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s);

/** Differences between what came back after the response and the expectation. */
export function checkAfter(got: AfterObservation | undefined, want: AfterExpectation, out: string[]): void {
  if (got === undefined) {
    out.push('after the response: nothing observed (the request has no "after")');
    return;
  }
  if (want.back !== undefined && want.back !== got.back) out.push(`after the response, back: want ${show(want.back)}, got ${show(got.back)}`);
  if (want.backPrefix !== undefined && !got.back.startsWith(want.backPrefix)) {
    out.push(`after the response, back: want it to start with ${show(want.backPrefix)}, got ${show(got.back)}`);
  }
  if (want.closed !== undefined && want.closed !== got.closed) out.push(`after the response: want the connection ${want.closed ? 'closed' : 'open'}, it was ${got.closed ? 'closed' : 'open'}`);
}

export function checkAfterHead(at: string, got: BackendRequest, want: ExpectedBackendRequest, out: string[]): void {
  const bytes = got.afterHead ?? '';
  if (want.afterHead !== undefined && want.afterHead !== bytes) out.push(`${at} bytes after the head: want ${show(want.afterHead)}, got ${show(bytes)}`);
}

/** tsproxyd versus apache2: the backend's after-head bytes always; the client's after-bytes when apache2 tunnelled. */
export function compareUpgrade(
  a: { readonly status: number; readonly after?: AfterObservation; readonly backend: readonly BackendRequest[] },
  t: { readonly after?: AfterObservation; readonly backend: readonly BackendRequest[] },
  out: string[],
): void {
  for (let i = 0; i < Math.min(a.backend.length, t.backend.length); i++) {
    const ba = a.backend[i]?.afterHead ?? '';
    const bt = t.backend[i]?.afterHead ?? '';
    const at = a.backend.length > 1 ? `backend request ${i + 1}` : 'backend';
    if (ba !== bt) out.push(`${at} bytes after the head: apache2 ${show(ba)}, tsproxyd ${show(bt)}`);
  }
  // After a refusal apache2 keeps the connection and answers a probe as the next request, tsproxyd closes: only
  // a tunnel's bytes, and whether it was closed within the wait (idle timeout, backend gone), are compared.
  if (a.status !== 101 || !a.after) return;
  if (a.after.back !== (t.after?.back ?? '')) out.push(`through the tunnel, back: apache2 ${show(a.after.back)}, tsproxyd ${t.after ? show(t.after.back) : 'nothing'}`);
  if (t.after && a.after.closed !== t.after.closed) {
    out.push(`the tunnel within the wait: apache2 ${a.after.closed ? 'closed' : 'open'}, tsproxyd ${t.after.closed ? 'closed' : 'open'}`);
  }
}

export function describeAfter(after: AfterObservation | undefined): string[] {
  return after ? [`  after the response: back ${show(after.back)}${after.closed ? ', then closed' : ', still open'}`] : [];
}

export function describeAfterHead(b: BackendRequest): string[] {
  return b.afterHead ? [`    > after the head ${show(b.afterHead)}`] : [];
}
