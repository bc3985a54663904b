// ProxyPassReverse and ProxyPassReverseCookieDomain/Path, as mod_proxy's ap_proxy_location_reverse_map and
// ap_proxy_cookie_reverse_map (modules/proxy/proxy_util.c) apply them to a backend's response headers.
import type { ReverseRule } from '../modules/proxy/types.js';

/** How the proxy names itself in absolute URLs (ap_construct_url with UseCanonicalName Off). */
export interface SelfUrl {
  readonly scheme: 'http' | 'https';
  /** Host name (the client's Host without its port, else ServerName), IPv6 in brackets. */
  readonly name: string;
  /** ":port" or "". */
  readonly portSuffix: string;
}

const IS_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * The first rule whose backend URL is a case-insensitive prefix of `url` replaces that prefix with its local path;
 * a relative result is made absolute with the proxy's own scheme://name[:port]. A rule whose URL is a path compares
 * against the path part of an absolute `url`. No match: `url` unchanged.
 */
export function reverseMapUrl(url: string, rules: readonly ReverseRule[], self: SelfUrl): string {
  for (const rule of rules) {
    const real = rule.url;
    let part = url;
    if (real.startsWith('/')) {
      const sep = url.indexOf('://');
      const slash = sep < 0 ? -1 : url.indexOf('/', sep + 3);
      if (slash >= 0) part = url.slice(slash);
    }
    if (real.length > 0 && part.length >= real.length && part.slice(0, real.length).toLowerCase() === real.toLowerCase()) {
      const u = rule.path + part.slice(real.length);
      return IS_URL.test(u) ? u : `${self.scheme}://${self.name}${self.portSuffix}${u}`;
    }
  }
  return url;
}

export interface CookieRules {
  readonly domain: readonly { readonly from: string; readonly to: string }[];
  readonly path: readonly { readonly from: string; readonly to: string }[];
}

/**
 * Rewrites the path= and domain= attributes of one Set-Cookie value. As in httpd, a path rule matches by prefix
 * (case-sensitive) and a domain rule by suffix (case-insensitive), and the whole attribute value is replaced by
 * the rule's second argument (checked: "path=/sub" with `ProxyPassReverseCookiePath / /pre/` becomes "path=/pre/").
 */
export function reverseMapCookie(value: string, rules: CookieRules): string {
  if (rules.domain.length === 0 && rules.path.length === 0) return value;
  const tokens = value.split(';');
  let pathDone = false;
  let domainDone = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const lead = /^\s*/.exec(tok)![0];
    const body = tok.slice(lead.length);
    const lower = body.slice(0, 7).toLowerCase();
    if (!pathDone && lower.startsWith('path=')) {
      const v = body.slice(5);
      const rule = rules.path.find((r) => v.length >= r.from.length && v.startsWith(r.from));
      if (rule) tokens[i] = `${lead}${body.slice(0, 5)}${rule.to}`;
      pathDone = true;
    } else if (!domainDone && lower === 'domain=') {
      const v = body.slice(7);
      const rule = rules.domain.find((r) => v.length >= r.from.length && v.slice(v.length - r.from.length).toLowerCase() === r.from.toLowerCase());
      if (rule) tokens[i] = `${lead}${body.slice(0, 7)}${rule.to}`;
      domainDone = true;
    }
  }
  return tokens.join(';');
}
