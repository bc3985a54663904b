// APR's fnmatch, as httpd uses it for ServerAlias (case-blind) and wildcard <Location> paths (APR_FNM_PATHNAME),
// compiled to a RegExp once at load.

/** apr_fnmatch_test: does the string hold a wildcard ('*', '?', or a '[' closed by a later ']')? */
export function fnmatchTest(s: string): boolean {
  let nesting = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '?' || c === '*') return true;
    if (c === '\\') {
      if (++i >= s.length) return false;
    } else if (c === '[') nesting++;
    else if (c === ']' && nesting > 0) return true;
  }
  return false;
}

const escapeRe = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** The pattern as an anchored RegExp. With `pathname`, '*', '?' and classes never match '/'. */
export function fnmatchToRegExp(pattern: string, opts: { pathname?: boolean; nocase?: boolean } = {}): RegExp {
  const any = opts.pathname ? '[^/]' : '[\\s\\S]';
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += `${any}*`;
    else if (c === '?') re += any;
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      const cls = body.replace(/[\\\]^]/g, '\\$&');
      re += negate ? `[^${cls}${opts.pathname ? '/' : ''}]` : `[${cls}]`;
      i = close;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, opts.nocase ? 'i' : '');
}
