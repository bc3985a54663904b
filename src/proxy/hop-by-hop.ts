// Hop-by-hop fields (RFC 9110 §7.6.1) as httpd removes them: ap_proxy_clear_connection drops Connection,
// Proxy-Connection and every field Connection names; ap_proxy_create_hdrbrgd then drops Keep-Alive, TE, Trailer
// and Upgrade, and re-frames the body itself (Transfer-Encoding, Content-Length).
import { sameName, type HeaderList } from './header-list.js';

/** Removed from both directions regardless of what Connection says. */
export const HOP_BY_HOP = ['Connection', 'Proxy-Connection', 'Keep-Alive', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade'] as const;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The field names listed in every Connection header. Empty elements (",,") and elements that are not tokens
 * (";", "a b") name nothing; they are skipped rather than refused, so no Connection value can fail a request.
 */
export function connectionTokens(headers: HeaderList): string[] {
  const out: string[] = [];
  for (const [name, value] of headers.fields) {
    if (!sameName(name, 'connection')) continue;
    if (!value.includes(',')) {
      const t = value.trim(); // the usual single token ("keep-alive", "close"): no split
      if (TOKEN.test(t)) out.push(t);
      continue;
    }
    for (const part of value.split(',')) {
      const t = part.trim();
      if (TOKEN.test(t)) out.push(t);
    }
  }
  return out;
}

const HOP_BY_HOP_LOWER: ReadonlySet<string> = new Set(HOP_BY_HOP.map((n) => n.toLowerCase()));

/** One of HOP_BY_HOP (case-insensitively); the length test spares lower-casing and hashing most names. */
function isHopByHop(name: string): boolean {
  const n = name.length;
  return (n === 2 || n === 7 || n === 10 || n === 16 || n === 17) && HOP_BY_HOP_LOWER.has(name.toLowerCase());
}

/** `name` (any case) is one of `lowerNames`. */
function listed(name: string, lowerNames: readonly string[]): boolean {
  for (const k of lowerNames) if (sameName(name, k)) return true;
  return false;
}

/** Removes the fields Connection names, then the fixed hop-by-hop set (except those in `keep`), in one pass. */
export function stripHopByHop(headers: HeaderList, keep: readonly string[] = []): void {
  const named: string[] = [];
  for (const t of connectionTokens(headers)) if (!isHopByHop(t)) named.push(t.toLowerCase());
  const kept = keep.length === 0 ? keep : keep.map((k) => k.toLowerCase());
  const fields = headers.fields;
  let j = 0;
  for (const f of fields) {
    const n = f[0];
    if ((isHopByHop(n) || listed(n, named)) && !listed(n, kept)) continue;
    fields[j++] = f;
  }
  fields.length = j;
}
