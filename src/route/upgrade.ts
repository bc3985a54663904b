// Whether a request's Upgrade goes to the backend, as httpd 2.4.71 decides (mission-anchors §5):
//  - default (ProxyWebsocketFallbackToProxyHttp On): mod_proxy_http forwards the Upgrade only when the worker has
//    upgrade= or the URL is ws(s)://, and ap_proxy_worker_can_upgrade accepts the client's value; otherwise the
//    request goes on as plain HTTP with Upgrade stripped. Connection and the method are not looked at.
//  - legacy (Fallback Off, ws(s):// routes): mod_proxy_wstunnel's handler answers 426 to a missing or unaccepted
//    Upgrade, and sends its own Upgrade value (the worker's upgrade=, else "WebSocket").
//  - h2c is never forwarded (tsproxyd: an h2c upgrade through a proxy only ever smuggles; httpd's mod_proxy_http
//    would forward it with upgrade=ANY).
import type { Backend, UpgradePlan } from './types.js';

export type UpgradeOutcome =
  | { readonly kind: 'plain' }
  | { readonly kind: 'upgrade'; readonly plan: UpgradePlan }
  | { readonly kind: 'refuse'; readonly status: 426; readonly headers: readonly (readonly [string, string])[] };

const PLAIN: UpgradeOutcome = { kind: 'plain' };

export const isWsScheme = (scheme: string): boolean => scheme === 'ws' || scheme === 'wss';

/** The protocol names a client's Upgrade offers ("foo/2, Bar" → ["foo", "bar"]), lower-case, versions dropped. */
export function offeredProtocols(value: string): string[] {
  // The common case, one name without a version ("websocket"): no split.
  if (!value.includes(',') && !value.includes('/')) {
    const name = value.trim().toLowerCase();
    return name === '' ? [] : [name];
  }
  const out: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim().split('/')[0]!.trim().toLowerCase();
    if (name !== '') out.push(name);
  }
  return out;
}

/**
 * ap_proxy_worker_can_upgrade: the worker's upgrade= list ('*' = ANY), else "WebSocket" for ws(s):// URLs, against
 * the protocols the client offers. httpd compares with ap_find_token, which accepts any value that merely STARTS
 * with a listed name ("foobar" for upgrade=foo); tsproxyd compares whole protocol names (a version after '/' is
 * allowed: "foo/2" for upgrade=foo, as httpd also accepts).
 */
export function canUpgrade(accepted: readonly string[] | undefined, wsUrl: boolean, value: string): boolean {
  return canUpgradeOffered(accepted, wsUrl, value, offeredProtocols(value));
}

/** canUpgrade() with the offered protocols already split. */
function canUpgradeOffered(accepted: readonly string[] | undefined, wsUrl: boolean, value: string, offered: readonly string[]): boolean {
  if (offered.length === 0) return false;
  if (accepted !== undefined) return accepted[0] === '*' || offered.some((o) => accepted.some((p) => p.toLowerCase() === o));
  // ws(s):// without upgrade=: httpd compares the whole value with "WebSocket" (no list, no version).
  return wsUrl && value.trim().toLowerCase() === 'websocket';
}

/** What the legacy path sends as Upgrade (and names in its 426). */
function legacyProtocol(accepted: readonly string[] | undefined): string {
  if (accepted === undefined || accepted[0] === 'NONE') return 'WebSocket';
  return accepted.join(',');
}

/** `value` is the client's Upgrade header (undefined when absent). */
export function decideUpgrade(backend: Backend, value: string | undefined, wsFallback: boolean): UpgradeOutcome {
  const accepted = backend.params.upgrade;
  const ws = isWsScheme(backend.scheme);
  if (!wsFallback && ws) {
    if (value === undefined || !canUpgrade(accepted, true, value)) {
      return { kind: 'refuse', status: 426, headers: [['Upgrade', legacyProtocol(accepted)], ['Connection', 'Upgrade']] };
    }
    if (offeredProtocols(value).includes('h2c')) return PLAIN;
    return { kind: 'upgrade', plan: { protocol: legacyProtocol(accepted), requested: value, legacy: true } };
  }
  if (value === undefined || (accepted === undefined && !ws)) return PLAIN;
  const offered = offeredProtocols(value);
  if (offered.includes('h2c') || !canUpgradeOffered(accepted, ws, value, offered)) return PLAIN;
  return { kind: 'upgrade', plan: { protocol: value, requested: value, legacy: false } };
}
