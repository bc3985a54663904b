// mod_rewrite's escaping (httpd 2.4.71): ap_escape_uri (ap_os_escape_path with partial=1), escape_absolute_uri for
// redirects, escape_backref for [B]/[BCTLS]/[BNE]/[BNP], ap_unescape_url for int:unescape, and is_absolute_uri.
// Strings are byte strings (one char per byte); escapes use httpd's lower-case hex ("%3d").

const HEX = '0123456789abcdef';
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);
const pct = (c: number): string => '%' + HEX[(c >> 4) & 15] + HEX[c & 15];

/** gen_test_char's T_OS_ESCAPE_PATH: anything but alphanumerics and $-_.+!*'(),:;@&=/~ is escaped. */
const PATH_SAFE = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (isAlnum(c) || "$-_.+!*'(),:;@&=/~".includes(String.fromCharCode(c))) PATH_SAFE[c] = 1;

/** ap_escape_uri. */
export function escapeUri(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (PATH_SAFE[c]) continue;
    out += s.slice(from, i) + pct(c);
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * is_absolute_uri() (httpd 2.4.71 also knows unix:, for mod_proxy's Unix domain sockets): the length of "scheme://" (or "scheme:") for the schemes mod_rewrite knows, else 0;
 * `queryOk` tells whether a query string makes sense for it (splitout_queryargs drops it otherwise).
 */
const SCHEMES: readonly (readonly [prefix: string, queryOk: boolean])[] = [
  ['ajp://', true], ['balancer://', true], ['ftp://', false], ['fcgi://', true], ['gopher://', false],
  ['http://', true], ['https://', true], ['h2://', true], ['h2c://', true], ['ldap://', false], ['mailto:', true],
  ['news:', false], ['nntp://', false], ['scgi://', true], ['unix:', true], ['ws://', true], ['wss://', true],
];

export function absoluteUriScheme(uri: string): { readonly length: number; readonly queryOk: boolean } {
  if (uri.startsWith('/') || uri.length <= 5) return { length: 0, queryOk: false };
  const lower = uri.slice(0, 11).toLowerCase();
  for (const [prefix, queryOk] of SCHEMES) if (lower.startsWith(prefix)) return { length: prefix.length, queryOk };
  return { length: 0, queryOk: false };
}

/** escape_absolute_uri(): the part after scheme://host/ is escaped (ldap:// per '?'-separated part). */
export function escapeAbsoluteUri(uri: string, schemeLength: number): string {
  let cut = schemeLength;
  if (uri[schemeLength - 1] === '/') {
    const slash = uri.indexOf('/', schemeLength);
    if (slash < 0 || slash + 1 >= uri.length) return uri;
    cut = slash + 1;
    if (uri.slice(0, 4).toLowerCase() === 'ldap') {
      const parts = uri.slice(cut).split('?');
      const head = parts.slice(0, 5);
      if (parts.length > 5) head[4] = parts.slice(4).join('?');
      return uri.slice(0, cut) + head.map(escapeUri).join('?');
    }
  }
  return uri.slice(0, cut) + escapeUri(uri.slice(cut));
}

export interface BackrefEscaping {
  /** [B=chars]: only these (undefined: every non-alphanumeric but '_'). */
  readonly chars?: string;
  /** [BNE=chars]: never these. */
  readonly except?: string;
  /** [BNP]: space as %20 rather than '+'. */
  readonly noPlus: boolean;
  /** [BCTLS]: controls and space (plus `chars` when [B=…] is also given). */
  readonly controls: boolean;
}

/** escape_backref() of httpd 2.4.57+: alphanumerics and '_' are never escaped. */
export function escapeBackref(s: string, e: BackrefEscaping): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i) & 0xff;
    const selected = (e.controls ? c <= 32 || c === 127 : e.chars === undefined) || (e.chars !== undefined && e.chars.includes(ch));
    if (!selected || (e.except !== undefined && e.except.includes(ch)) || isAlnum(c) || c === 95) out += ch;
    else if (c === 32 && !e.noPlus) out += '+';
    else out += pct(c);
  }
  return out;
}

/** ap_unescape_url as int:unescape uses it: valid escapes decoded, invalid ones kept, the string ends at a NUL. */
export function unescapeUrl(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      const d = hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2));
      if (d === 0) return out;
      out += String.fromCharCode(d);
      i += 2;
    } else out += s[i];
  }
  return out;
}
