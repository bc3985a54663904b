// Hop-by-hop fields (RFC 9110 §7.6.1) as httpd removes them: ap_proxy_clear_connection drops Connection,
// Proxy-Connection and every field Connection names; ap_proxy_create_hdrbrgd then drops Keep-Alive, TE, Trailer
// and Upgrade, and re-frames the body itself (Transfer-Encoding, Content-Length).
import type { HeaderList } from './header-list.js';

/** Removed from both directions regardless of what Connection says. */
export const HOP_BY_HOP = ['Connection', 'Proxy-Connection', 'Keep-Alive', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade'] as const;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The field names listed in every Connection header. Empty elements (",,") and elements that are not tokens
 * (";", "a b") name nothing; they are skipped rather than refused, so no Connection value can fail a request.
 */
export function connectionTokens(headers: HeaderList): string[] {
  const out: string[] = [];
  for (const value of headers.getAll('Connection')) {
    for (const part of value.split(',')) {
      const t = part.trim();
      if (TOKEN.test(t)) out.push(t);
    }
  }
  return out;
}

/** Removes the fields Connection names, then the fixed hop-by-hop set (except those in `keep`). */
export function stripHopByHop(headers: HeaderList, keep: readonly string[] = []): void {
  const keepLower = new Set(keep.map((k) => k.toLowerCase()));
  for (const n of [...connectionTokens(headers), ...HOP_BY_HOP]) if (!keepLower.has(n.toLowerCase())) headers.unset(n);
}
