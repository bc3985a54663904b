// The request-target's form (RFC 9112 §3.2), as httpd reads it. Verified against apache2 2.4.71:
//  - "*" is only for OPTIONS (httpd answers OPTIONS * itself: 200, empty body); GET * is 400;
//  - origin-form must start with '/' ("GET p" is 400);
//  - absolute-form http://host[:port]/path (scheme case-insensitive): the authority replaces the Host header for
//    virtual-host selection and is what the backend sees as the original host (X-Forwarded-Host "b.test:1234");
//    the path is routed as usual ("http://b.test" routes "/"). An https:// target on a plain connection is
//    accepted but its authority is ignored (the Host header decides); other schemes (ftp://) and a userinfo part
//    (http://u@b.test/) are 400. ProxyRequests stays Off: an absolute-form request is never forward-proxied.

export type RequestTarget =
  | { readonly form: 'asterisk' }
  | {
      readonly form: 'origin' | 'absolute';
      /** The raw path (before '?'), starting with '/'. */
      readonly path: string;
      /** The raw query after the first '?', undefined without '?'. */
      readonly args: string | undefined;
      /** Absolute-form authority to use as the host (undefined: use the Host header). */
      readonly authority: string | undefined;
    }
  | { readonly form: 'invalid'; readonly reason: string };

const ABSOLUTE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;

export function parseRequestTarget(target: string, tls: boolean): RequestTarget {
  if (target === '*') return { form: 'asterisk' };
  // A fragment never belongs in a request-target: httpd answers 400 ("GET /q?a=1#frag"), and so does tsproxyd
  // rather than forwarding the '#' to the backend.
  if (target.includes('#')) return { form: 'invalid', reason: 'fragment in the request-target' };
  if (target.startsWith('/')) {
    const q = target.indexOf('?');
    return q < 0
      ? { form: 'origin', path: target, args: undefined, authority: undefined }
      : { form: 'origin', path: target.slice(0, q), args: target.slice(q + 1), authority: undefined };
  }
  const m = ABSOLUTE.exec(target);
  if (!m) return { form: 'invalid', reason: 'the request-target is neither origin-form nor absolute-form' };
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const rest = m[3]!;
  if (scheme !== 'http' && scheme !== 'https') return { form: 'invalid', reason: `unsupported scheme '${scheme}' in the request-target` };
  if (authority === '' || authority.includes('@')) return { form: 'invalid', reason: 'invalid authority in the request-target' };
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  return {
    form: 'absolute',
    path: rawPath === '' ? '/' : rawPath,
    args: q < 0 ? undefined : rest.slice(q + 1),
    authority: scheme === (tls ? 'https' : 'http') ? authority : undefined,
  };
}
