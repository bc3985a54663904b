// [CO=NAME:VALUE:domain[:lifetime[:path[:secure[:httponly[:samesite]]]]]] as mod_rewrite's add_cookie builds the
// Set-Cookie value (httpd 2.4.71). The flag is expanded whole, then split with apr_strtok, which skips empty
// fields ("n:v:d::/p" has lifetime "/p" and no path); a leading ';' selects ';' as the separator. Without NAME, VALUE
// and domain nothing is set; a name is set once per request. The lifetime is minutes (0: a session cookie).
//   n=v; path=/; domain=.example.com; expires=Sun, 22-Nov-2026 03:09:47 GMT; secure; HttpOnly; SameSite=Lax

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');
const yes = (v: string | undefined, word: string): boolean => v !== undefined && (v === '1' || ['true', word].includes(v.toLowerCase()));

/** C's atol. */
const atol = (s: string): number => Number(/^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s)?.[1] ?? 0);

function expires(now: Date, minutes: number): string {
  const d = new Date(now.getTime() + minutes * 60_000);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${String(d.getUTCFullYear()).padStart(4, '0')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

/** The cookie's name and Set-Cookie value, or undefined when the flag names no cookie. */
export function buildCookie(expanded: string, now: Date): { name: string; value: string } | undefined {
  const sep = expanded.startsWith(';') ? ';' : ':';
  const fields = (sep === ';' ? expanded.slice(1) : expanded).split(sep).filter((f) => f !== '');
  const [name, value, domain, lifetime, path, secure, httpOnly, sameSite] = fields;
  if (name === undefined || value === undefined || domain === undefined) return undefined;
  let out = `${name}=${value}; path=${path ?? '/'}; domain=${domain}`;
  const minutes = lifetime === undefined ? 0 : atol(lifetime);
  if (minutes !== 0) out += `; expires=${expires(now, minutes)}`;
  if (yes(secure, 'secure')) out += '; secure';
  if (yes(httpOnly, 'httponly')) out += '; HttpOnly';
  if (sameSite !== undefined && sameSite !== '0' && sameSite.toLowerCase() !== 'false') out += `; SameSite=${sameSite}`;
  return { name, value: out };
}
