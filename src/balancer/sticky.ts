// Where a sticky session's route comes from (mod_proxy_balancer.c get_path_param, get_cookie_param,
// find_session_route): a URL parameter first, then the Cookie header; the route is what follows the separator.
//
// stickysession=NAME names both; stickysession=COOKIE|param names the cookie and the URL parameter separately.

export interface StickyNames {
  /** The cookie name. */
  readonly cookie: string;
  /** The URL parameter name. */
  readonly param: string;
}

export function stickyNames(stickysession: string | undefined): StickyNames | undefined {
  if (stickysession === undefined || stickysession === '') return undefined;
  const bar = stickysession.indexOf('|');
  return bar < 0 ? { cookie: stickysession, param: stickysession } : { cookie: stickysession.slice(0, bar), param: stickysession.slice(bar + 1) };
}

/**
 * get_path_param: NAME= anywhere in the forwarded URL (a substring search, as httpd's strstr), the value up to the
 * next '?' or '&' (and ';' with scolonpathdelim On); leading delimiters skipped as apr_strtok does.
 */
export function urlParam(url: string, name: string, scolonDelim: boolean): string | undefined {
  if (name === '') return undefined;
  const delims = scolonDelim ? ';?&' : '?&';
  for (let at = url.indexOf(name); at >= 0; at = url.indexOf(name, at + 1)) {
    let p = at + name.length;
    if (url[p] !== '=') continue;
    p++;
    if (p >= url.length) continue;
    while (p < url.length && delims.includes(url[p]!)) p++;
    if (p >= url.length) return undefined; // apr_strtok found only delimiters: httpd's NULL route
    let end = p;
    while (end < url.length && !delims.includes(url[end]!)) end++;
    return url.slice(p, end);
  }
  return undefined;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';

/**
 * get_cookie_param: NAME at the start of the Cookie header or after ';', ',' or a space, then optional spaces, '=',
 * a non-empty value up to ';' or ','.
 */
export function cookieParam(cookies: string | undefined, name: string): string | undefined {
  if (cookies === undefined || name === '') return undefined;
  for (let at = cookies.indexOf(name); at >= 0; at = cookies.indexOf(name, at + 1)) {
    const before = cookies[at - 1];
    if (!(at === 0 || before === ';' || before === ',' || isSpace(before))) continue;
    let p = at + name.length;
    while (p < cookies.length && isSpace(cookies[p])) p++;
    if (cookies[p] !== '=' || p + 1 >= cookies.length) continue;
    p++;
    while (p < cookies.length && isSpace(cookies[p])) p++;
    let end = p;
    while (end < cookies.length && cookies[end] !== ';' && cookies[end] !== ',') end++;
    return cookies.slice(p, end);
  }
  return undefined;
}

export interface SessionRoute {
  /** The name the value was found under (BALANCER_SESSION_STICKY). */
  readonly sticky: string;
  /** The route: the value after the separator, or the whole value when the separator is Off (may be empty). */
  readonly route: string;
}

/** find_session_route's first half: the route a request carries, if any. */
export function sessionRoute(names: StickyNames, url: string, cookies: string | undefined, sep: string, scolonDelim: boolean): SessionRoute | undefined {
  let sticky = names.param;
  let value = urlParam(url, names.param, scolonDelim);
  if (value === undefined) {
    sticky = names.cookie;
    value = cookieParam(cookies, names.cookie);
  }
  if (value === undefined) return undefined;
  if (sep !== '') {
    const at = value.indexOf(sep);
    if (at < 0) return undefined; // no separator: no route (JSESSIONID=abc without ".node")
    value = value.slice(at + 1);
  }
  return { sticky, route: value };
}
