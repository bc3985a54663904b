// httpd's URL handling, from the request-target to the path the proxy forwards.
//
// Strings here are byte strings: one char per byte (latin1), which is how Node hands over a raw request-target.
// Chars above U+00FF (only possible from tests or config text) are first turned into their UTF-8 bytes.
//
// Verified against apache2 2.4.71 (Debian) with a recording backend:
//  - the path is normalised BEFORE it is fully decoded (server/request.c): %-escapes of unreserved chars
//    (A-Z a-z 0-9 - . _ ~) are decoded, "." and ".." segments are removed (%2e%2e counts: /app/%2e%2e/admin
//    reaches /admin), a ".." above the root is 400 (/../x, /app/../../x), runs of '/' are merged (MergeSlashes On,
//    the default; //app//x is seen as /app/x), and an invalid escape (%zz) is 400;
//  - then every escape is decoded: %00 is 404; %2F is 404 with AllowEncodedSlashes Off (the default), stays "%2F"
//    (as written, %2f stays %2f) with NoDecode, and becomes '/' with On, after which the path is normalised once
//    more, this time clamping at the root instead of failing (/enc/a/..%2F..%2F..%2Fx reaches /x) and merging
//    slashes (/a%2F%2Fb reaches /a/b);
//  - %252e%252e decodes once, to the literal text %2e%2e, and is forwarded as %252e%252e (no second decode).
import { prefixMatch } from './match-prefix.js';

export type EncodedSlashes = 'On' | 'Off' | 'NoDecode';

export interface PathOptions {
  readonly allowEncodedSlashes: EncodedSlashes;
  readonly mergeSlashes: boolean;
}

export type PathResult = { readonly ok: true; readonly uri: string } | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
const isUnreserved = (c: number): boolean => isAlnum(c) || c === 45 || c === 46 || c === 95 || c === 126;

/** A string as bytes, one char per byte: chars above U+00FF become their UTF-8 bytes. */
export function toBytes(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** Splits an origin-form request-target at the first '?': the query is kept raw, undefined when there is no '?'. */
export function splitTarget(target: string): { path: string; args: string | undefined } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, args: undefined } : { path: target.slice(0, q), args: target.slice(q + 1) };
}

/**
 * httpd's ap_normalize_path: remove "." and ".." segments (a ".." at the root fails when `notAboveRoot`, else is
 * dropped), optionally merging runs of '/'. The path starts with '/'.
 */
export function removeDotSegments(path: string, mergeSlashes: boolean, notAboveRoot: boolean): string | undefined {
  const out: string[] = [];
  let failed = false;
  // Segments after the leading '/'; a trailing '/' gives a final empty segment.
  const segs = path.slice(1).split('/');
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') {
        if (out.length > 0) out.pop();
        else if (notAboveRoot) failed = true;
      }
      // "/a/." and "/a/.." keep the directory's trailing slash.
      if (last) out.push('');
      continue;
    }
    if (seg === '' && mergeSlashes && !last) continue;
    if (seg === '' && mergeSlashes && last && out.length > 0 && out[out.length - 1] === '') continue;
    out.push(seg);
  }
  if (failed) return undefined;
  return '/' + out.join('/');
}

/**
 * From the request-target's path (raw, starting with '/') to httpd's r->uri: normalised and decoded as described
 * at the top of this file.
 */
export function canonicalizePath(rawPath: string, opts: PathOptions): PathResult {
  const bytes = toBytes(rawPath);
  // 1. Decode escapes of unreserved chars; every '%' must start a valid escape.
  let pre = '';
  let from = 0;
  for (let i = bytes.indexOf('%'); i >= 0; i = bytes.indexOf('%', i + 1)) {
    const h = bytes.charCodeAt(i + 1);
    const l = bytes.charCodeAt(i + 2);
    if (!isHex(h) || !isHex(l)) return { ok: false, status: 400, reason: 'invalid %-escape in the URL path' };
    const c = hexVal(h) * 16 + hexVal(l);
    if (isUnreserved(c)) {
      pre += bytes.slice(from, i) + String.fromCharCode(c);
      from = i + 3;
    }
  }
  pre += bytes.slice(from);
  // 2. Dot segments (never above the root) and slash merging.
  const normal = removeDotSegments(pre, opts.mergeSlashes, true);
  if (normal === undefined) return { ok: false, status: 400, reason: 'the URL path climbs above the root' };
  // 3. Decode every escape (ap_unescape_url / ap_unescape_url_keep2f).
  let uri = '';
  let decodedSlash = false;
  from = 0;
  for (let i = normal.indexOf('%'); i >= 0; i = normal.indexOf('%', i + 1)) {
    const c = hexVal(normal.charCodeAt(i + 1)) * 16 + hexVal(normal.charCodeAt(i + 2));
    if (c === 0) return { ok: false, status: 404, reason: 'the URL path holds an encoded NUL (%00)' };
    if (c === 47) {
      if (opts.allowEncodedSlashes === 'Off') {
        return { ok: false, status: 404, reason: "the URL path holds an encoded '/' (%2F) and AllowEncodedSlashes is Off" };
      }
      if (opts.allowEncodedSlashes === 'NoDecode') continue;
      decodedSlash = true;
    }
    uri += normal.slice(from, i) + String.fromCharCode(c);
    from = i + 3;
    i += 2;
  }
  uri += normal.slice(from);
  // 4. Decoded slashes may form new segments: normalise again, clamping at the root.
  if (decodedSlash) uri = removeDotSegments(uri, opts.mergeSlashes, false) ?? uri;
  return { ok: true, uri };
}

// ap_proxy_canonenc(enc_path) for reverse-proxied requests: alphanumerics, "~$-_.+!*'(),;:@&=" and '/' are sent as
// they are, every other byte as %XX (upper-case hex) -- including '%' itself, '?', '#', space, control chars,
// '"<>\^`{|}' and non-ASCII bytes. Verified: /app/a%22b%3C%3E%5C%5E%60%7B%7C%7D forwards unchanged, /app/é forwards
// /app/%C3%A9, /app/a%3Fb keeps %3F, and a '?' in the ProxyPass URL itself is sent as %3F
// (ProxyPass /tq/ http://b/tq/?a=b sends /tq/%3Fa=bx?q=1), a '%' in it as %25 (http://b/a%20b/ sends /a%2520b/).
const ALLOWED = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (isAlnum(c) || "~$-_.+!*'(),;:@&=/".includes(String.fromCharCode(c))) ALLOWED[c] = 1;
const HEX = '0123456789ABCDEF';

/**
 * Re-encodes a decoded path for forwarding. `keepEncodedSlashes` is AllowEncodedSlashes NoDecode: an escape that
 * decodes to '/' is kept as written, any other '%' is sent as %25, and a '%' not followed by two hex digits makes the
 * request a 400 (undefined here). Verified: NoDecode /enc/a%25zz is 400, /enc/a%2541 forwards /enc/a%2541.
 */
export function canonEncodePath(path: string, keepEncodedSlashes: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i) & 0xff;
    if (c === 37 && keepEncodedSlashes) {
      const h = path.charCodeAt(i + 1);
      const l = path.charCodeAt(i + 2);
      if (!isHex(h) || !isHex(l)) return undefined;
      if (hexVal(h) * 16 + hexVal(l) === 47) {
        out += path.slice(i, i + 3);
        i += 2;
        continue;
      }
    }
    if (ALLOWED[c]) out += path[i];
    else out += '%' + HEX[c >> 4] + HEX[c & 15];
  }
  return out;
}

/**
 * httpd's ap_scan_vchar_obstext check before forwarding (CVE-2023-25690 hardening, AH10415/AH10408): a control
 * character or a space in a path sent raw (nocanon) or in the query string makes the request a 403.
 */
export function hasCtlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return true;
  }
  return false;
}

/** Re-exported for the index and the router: httpd's alias_match. */
export { prefixMatch };
