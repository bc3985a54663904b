// Every backend failure mapped to what httpd 2.4.71 answers, in one place (checked against apache2):
//   connect refused / unreachable / connect timeout → 503 "Service Unavailable" (AH01114), worker error state
//   DNS failure                                     → 500 "Proxy Error", Reason "DNS lookup failure for: HOST"
//   no 100 Continue within timeout (Expect)         → 503 "Proxy Error", Reason "Timeout on 100-Continue"
//   timeout while sending the request body          → 504 "Gateway Timeout" (AH01084)
//   no response headers within timeout              → 502 "Proxy Error", Reason "Error reading from remote server"
//   connection closed or reset before a response    → 502, same reason (AH01102)
//   a response Node's parser refuses                → 502 (httpd would relay garbage as HTTP/0.9; see below)
//   a TLS handshake or certificate failure          → 500 "Proxy Error", Reason "Error during SSL Handshake with
//                                                     remote server" (AH00898), whatever the phase
// `code` is a stable, greppable reason for the log.

import { isTlsFailure } from './backend-tls.js';

/** Where the exchange was when it failed. */
export type Phase = 'connect' | 'continue' | 'send' | 'response';

export interface BackendFailure {
  readonly status: number;
  /** ap_proxyerror's message (page says "Proxy Error" + Reason); undefined for httpd's plain page. */
  readonly proxyReason?: string;
  readonly code: string;
  readonly log: string;
  /** A connect failure: the worker may go into error state. */
  readonly connectFailed: boolean;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

function codeOf(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'EUNKNOWN';
}

export function classifyBackendError(err: unknown, phase: Phase, host: string, port: number): BackendFailure {
  const code = codeOf(err);
  const msg = err instanceof Error ? err.message : String(err);
  const timedOut = err instanceof TimeoutError;
  if (DNS_CODES.has(code)) {
    return { status: 500, proxyReason: `DNS lookup failure for: ${host}`, code: 'dns-failure', log: `AH00898: DNS lookup failure for: ${host} (${code})`, connectFailed: false };
  }
  if (isTlsFailure(err)) {
    return { status: 500, proxyReason: 'Error during SSL Handshake with remote server', code: 'tls-handshake-failed', log: `AH00898: Error during SSL Handshake with remote server ${host}:${port} (${code}: ${msg})`, connectFailed: false };
  }
  if (phase === 'connect') {
    return {
      status: 503,
      code: timedOut ? 'connect-timeout' : 'connect-failed',
      log: `AH00957: attempt to connect to ${host}:${port} failed (${timedOut ? 'connect timeout' : msg}); AH01114: HTTP: failed to make connection to backend: ${host}`,
      connectFailed: true,
    };
  }
  if (phase === 'continue' && timedOut) {
    return { status: 503, proxyReason: 'Timeout on 100-Continue', code: 'continue-timeout', log: `AH01102: error reading status line from remote server ${host}:${port} (timeout on 100-Continue)`, connectFailed: false };
  }
  if (phase === 'send') {
    if (timedOut) return { status: 504, code: 'send-timeout', log: `AH01084: pass request body failed to ${host}:${port} (timeout)`, connectFailed: false };
    return { status: 502, code: 'send-failed', log: `AH01097: pass request body failed to ${host}:${port} (${msg})`, connectFailed: false };
  }
  if (code.startsWith('HPE_')) {
    // httpd treats a response without a status line as HTTP/0.9 and relays it as a body; Node's parser (llhttp)
    // refuses it, and a malformed response must never be partly relayed (response splitting), so: 502.
    return { status: 502, proxyReason: 'Error reading from remote server', code: 'malformed-response', log: `AH01102: error reading status line from remote server ${host}:${port} (${code}: ${msg})`, connectFailed: false };
  }
  return {
    status: 502,
    proxyReason: 'Error reading from remote server',
    code: timedOut ? 'response-timeout' : 'backend-closed',
    log: `AH01102: error reading status line from remote server ${host}:${port} (${timedOut ? 'timeout' : msg})`,
    connectFailed: false,
  };
}
