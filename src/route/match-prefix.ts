// ProxyPass prefix matching exactly as httpd's alias_match (modules/proxy/mod_proxy.c): literal, case-sensitive,
// any run of '/' in the pattern matches any run of '/' in the path, and a pattern that does not end in '/' only
// matches up to a segment boundary (/foo matches /foo and /foo/x, not /foobar).

/** The length of `path` consumed by `prefix`, or -1 when it does not match. */
export function prefixMatch(path: string, prefix: string): number {
  let p = 0;
  let u = 0;
  const plen = prefix.length;
  const ulen = path.length;
  while (p < plen) {
    const c = prefix.charCodeAt(p);
    if (c === 47 /* / */) {
      if (u >= ulen || path.charCodeAt(u) !== 47) return -1;
      while (p < plen && prefix.charCodeAt(p) === 47) p++;
      while (u < ulen && path.charCodeAt(u) === 47) u++;
      continue;
    }
    if (u >= ulen || path.charCodeAt(u) !== c) return -1;
    p++;
    u++;
  }
  // Segment rule: a prefix not ending in '/' must stop at '/' or the end of the path.
  if (plen > 0 && prefix.charCodeAt(plen - 1) !== 47 && u < ulen && path.charCodeAt(u) !== 47) return -1;
  return u;
}
