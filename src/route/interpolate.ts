// ProxyPassInterpolateEnv: `${VAR}` in ProxyPass, ProxyPassReverse and ProxyPassReverseCookie* lines marked
// `interpolate` takes the request's environment when the request is served (httpd's proxy_interpolate in
// modules/proxy/mod_proxy.c, checked with apache2 2.4.71: an unset variable is empty, a `${` without its `}`
// leaves the rest of the text as written, substituted values are not scanned again).
import type { ReverseRule } from '../modules/proxy/types.js';
import type { ProxySettings } from './types.js';

/** `value` encodes a variable's value for the text (toBytes for a path held as UTF-8 bytes). */
export function interpolateEnv(text: string, env: ReadonlyMap<string, string> | undefined, value: (v: string) => string = (v) => v): string {
  let start = text.indexOf('${');
  if (start < 0) return text;
  let out = '';
  let from = 0;
  while (start >= 0) {
    const end = text.indexOf('}', start + 2);
    if (end < 0) break;
    const v = env?.get(text.slice(start + 2, end));
    out += text.slice(from, start) + (v === undefined ? '' : value(v));
    from = end + 1;
    start = text.indexOf('${', from);
  }
  return out + text.slice(from);
}

/** Whether a config string takes part in interpolation at all (has a `${…}`). */
export const interpolates = (text: string): boolean => /\$\{[^}]*\}/.test(text);

/**
 * The settings with their `interpolate` reverse rules filled in from `env`, or the same settings when there is
 * nothing to interpolate (the common case costs one flag test).
 */
export function interpolateSettings(settings: ProxySettings, env: ReadonlyMap<string, string> | undefined): ProxySettings {
  if (!settings.interpolateEnv) return settings;
  const rev = (r: ReverseRule): ReverseRule => (r.interpolate ? { ...r, path: interpolateEnv(r.path, env), url: interpolateEnv(r.url, env) } : r);
  const cookie = <T extends { from: string; to: string; interpolate: boolean }>(r: T): T =>
    r.interpolate ? { ...r, from: interpolateEnv(r.from, env), to: interpolateEnv(r.to, env) } : r;
  return {
    ...settings,
    reverse: settings.reverse.map(rev),
    reverseCookieDomain: settings.reverseCookieDomain.map(cookie),
    reverseCookiePath: settings.reverseCookiePath.map(cookie),
  };
}
