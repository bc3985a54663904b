// mod_ssl's value parsers (ssl_engine_config.c), with httpd 2.4.71's messages (OpenSSL 3, socache_shmcb and
// socache_dbm loaded), checked with `apache2 -t`. Each returns the value or an error string.
import type { Site } from '../../config/types.js';
import { atoi, serverRootRelative, statPath } from '../shared/files.js';

export type Parse<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parse<T> => ({ ok: true, value });
const bad = <T>(error: string): Parse<T> => ({ ok: false, error });

export type TlsProtocol = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
/** OpenSSL 3 builds have no SSLv3, so 'all' is every TLS version. */
const ALL: readonly TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export type VerifyMode = 'none' | 'optional' | 'require' | 'optional_no_ca';
const VERIFY: readonly VerifyMode[] = ['none', 'optional', 'require', 'optional_no_ca'];

export type SslOption = 'StdEnvVars' | 'ExportCertData' | 'FakeBasicAuth' | 'StrictRequire' | 'OptRenegotiate' | 'LegacyDNStringFormat';
const OPTIONS: readonly SslOption[] = ['StdEnvVars', 'ExportCertData', 'FakeBasicAuth', 'StrictRequire', 'OptRenegotiate', 'LegacyDNStringFormat'];
/** '=' sets (and clears earlier plain options), '+' adds, '-' removes: merged per directory as httpd does. */
export interface SslOptionChange {
  readonly op: '=' | '+' | '-';
  readonly option: SslOption;
}

export type CacheSpec = { readonly kind: 'none' | 'nonenotnull' } | { readonly kind: 'socache'; readonly provider: string; readonly arg?: string; readonly size?: number };
/** socache providers tsproxyd accepts (it keeps TLS sessions in process whichever is named). */
const PROVIDERS = ['dbm', 'default', 'memcache', 'redis', 'shmcb'];

/** The path a certificate-style directive names must be a non-empty regular file. */
export function existingFile(name: string, word: string, at: Site): Parse<string> {
  const path = serverRootRelative(at.model.serverRoot, word);
  const st = statPath(path);
  return st.kind === 'file' && st.size > 0 ? ok(path) : bad(`${name}: file '${path}' does not exist or is empty`);
}

export function existingDir(name: string, word: string, at: Site): Parse<string> {
  const path = serverRootRelative(at.model.serverRoot, word);
  return statPath(path).kind === 'dir' ? ok(path) : bad(`${name}: directory '${path}' does not exist`);
}

export function verifyMode(name: string, word: string): Parse<VerifyMode> {
  const v = VERIFY.find((m) => m === word.toLowerCase());
  return v ? ok(v) : bad(`${name}: Invalid argument '${word}'`);
}

export function depth(name: string, word: string): Parse<number> {
  const n = atoi(word); // httpd uses atoi: 'x' is 0
  return n >= 0 ? ok(n) : bad(`${name}: Invalid argument '${word}'`);
}

export function seconds(name: string, word: string): Parse<number> {
  const n = atoi(word);
  return n >= 0 ? ok(n) : bad(`${name}: Invalid argument`);
}

/** SSLProtocol / SSLProxyProtocol: `[+-]all|TLSv1|TLSv1.1|TLSv1.2|TLSv1.3 …`, case-insensitive. */
export function protocols(name: string, words: readonly string[], at: Site): Parse<TlsProtocol[]> {
  let set = new Set<TlsProtocol>();
  for (const [i, word] of words.entries()) {
    const sign = word[0] === '+' || word[0] === '-' ? word[0] : '';
    const w = word.slice(sign.length).toLowerCase();
    if (w === 'sslv2') return bad(`${name}: SSLv2 is no longer supported`);
    // Turning SSLv3 off (-SSLv3, as Debian's stock ssl.conf does) is fine; only enabling it fails.
    if (w === 'sslv3') {
      if (sign === '-') continue;
      return bad('SSLv3 not supported by this version of OpenSSL');
    }
    const these = w === 'all' ? ALL : ALL.filter((p) => p.toLowerCase() === w);
    if (these.length === 0) return bad(`${name}: Illegal protocol '${word.slice(sign.length)}'`);
    if (sign === '' && i > 0) {
      at.report('warning', `${name}: Protocol '${word}' overrides already set parameter(s). Check if a +/- prefix is missing.`, at.words[i], 'AH02532');
    }
    if (sign === '') set = new Set(these);
    else for (const p of these) sign === '+' ? set.add(p) : set.delete(p);
  }
  return ok(ALL.filter((p) => set.has(p)));
}

/** SSLCipherSuite [SSL|TLSv1.3] spec — the protocol word is case-sensitive in httpd. */
export function cipherSuite(args: readonly string[]): Parse<{ protocol: 'SSL' | 'TLSv1.3'; spec: string }> {
  const [a = '', b] = args;
  if (b === undefined) return ok({ protocol: 'SSL', spec: a });
  return a === 'SSL' || a === 'TLSv1.3' ? ok({ protocol: a, spec: b }) : bad(`protocol '${a}' not supported`);
}

export function sslOptions(name: string, words: readonly string[]): Parse<SslOptionChange[]> {
  const out: SslOptionChange[] = [];
  for (const word of words) {
    const op = word[0] === '+' || word[0] === '-' ? word[0] : '=';
    const w = op === '=' ? word : word.slice(1);
    const option = OPTIONS.find((o) => o.toLowerCase() === w.toLowerCase());
    if (option === undefined) return bad(`${name}: Illegal option '${w}'`);
    out.push({ op, option });
  }
  return ok(out);
}

/** SSLSessionCache / SSLStaplingCache: none, nonenotnull (session cache only), provider[:arg]. */
export function cacheSpec(name: string, word: string, stapling: boolean): Parse<CacheSpec> {
  if (!stapling && (word === 'none' || word === 'nonenotnull')) return ok({ kind: word });
  const colon = word.indexOf(':');
  const provider = colon < 0 ? word : word.slice(0, colon);
  const arg = colon < 0 ? undefined : word.slice(colon + 1);
  if (!PROVIDERS.includes(provider)) {
    const known = `known names: ${PROVIDERS.join(',')}`;
    const hint = `Maybe you need to load the appropriate socache module (mod_socache_${provider}?)`;
    return bad(stapling ? `${name}: '${provider}' stapling cache not supported (${known}) ${hint}` : `${name}: '${provider}' session cache not supported (${known}). ${hint}.`);
  }
  if (provider !== 'shmcb' || arg === undefined || !arg.includes('(')) return ok({ kind: 'socache', provider, ...(arg !== undefined ? { arg } : {}) });
  const m = /^(.*)\(([^)]*)\)$/.exec(arg);
  if (!m || m[2] === '') return bad(`${name}: Invalid argument: no closing parenthesis or cache size missing after pathname with parenthesis`);
  if (!/^\d+$/.test(m[2]!)) return bad(`${name}: Invalid argument: cache size not numerical`);
  const size = Number(m[2]);
  if (size < 8192) return bad(`${name}: Invalid argument: size has to be >= 8192 bytes`);
  if (size >= 4294967295) return bad(`${name}: Invalid argument: size has to be < 4294967295 bytes on this platform`);
  return ok({ kind: 'socache', provider, arg: m[1]!, size });
}
