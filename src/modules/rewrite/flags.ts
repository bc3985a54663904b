// RewriteRule and RewriteCond flags as data (httpd's cmd_rewriterule_setflag / cmd_rewritecond_setflag).
// Names compare case-insensitively; `key=value` splits at the first '='. Messages are httpd 2.4.71's, verified with
// `apache2 -t`; they get the "RewriteRule: " / "RewriteCond: " prefix from the caller.
import { trimSpace } from '../../config/values.js';
import { atoi } from '../shared/files.js';
import type { CondFlags, CookieSpec, RuleFlags } from './model.js';

export type Warn = (message: string) => void;

export interface FlagDef<F> {
  readonly name: string; // canonical spelling
  readonly aliases: readonly string[];
  /** 'none': a value is accepted and ignored, as httpd does; 'required': httpd refuses the flag without one. */
  readonly value: 'none' | 'optional' | 'required';
  readonly effect: string;
  /** Records the flag; returns httpd's error text (without the directive prefix). */
  readonly set: (flags: F, value: string, warn: Warn) => string | undefined;
}

const on =
  <F>(key: { [K in keyof F]: F[K] extends boolean ? K : never }[keyof F]) =>
  (f: F): undefined => {
    (f as Record<typeof key, boolean>)[key] = true;
    return undefined;
  };

/** Status codes httpd knows (ap_index_of_response); R= with any other number is a config error. */
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  ...Array.from({ length: 18 }, (_, i) => 400 + i), 421, 422, 423, 424, 426, 428, 429, 431, 451,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);
const REDIRECT_NAMES: Readonly<Record<string, number>> = { permanent: 301, temp: 302, seeother: 303 };

function setRedirect(f: RuleFlags, v: string, warn: Warn): string | undefined {
  f.redirect = 302;
  if (v === '') return undefined;
  const named = REDIRECT_NAMES[v.toLowerCase()];
  if (named !== undefined) {
    f.redirect = named;
    return undefined;
  }
  if (!/^[0-9]/.test(v)) {
    warn(`[R=${v}]: '${v}' is neither a status code nor permanent, temp or seeother; httpd redirects with 302`);
    return undefined;
  }
  const status = atoi(v);
  if (status !== 500 && !KNOWN_STATUS.has(status)) return `invalid HTTP response code '${v}' for flag 'R'`;
  if (status >= 300 && status <= 399) f.redirect = status;
  else {
    f.redirect = undefined; // a non-3xx code: no substitution, the status is returned (like [F] and [G])
    f.status = status;
  }
  return undefined;
}

function parseCookie(v: string, warn: Warn): CookieSpec {
  const sep = v.startsWith(';') ? ';' : ':';
  const [name = '', value = '', domain = '', lifetime, path, secure, httpOnly, sameSite] = (sep === ';' ? v.slice(1) : v).split(sep);
  if (name === '' || domain === '' || v.split(sep).length < 3) {
    warn(`[CO=${v}] needs at least NAME${sep}VALUE${sep}domain; httpd sets no cookie`);
  }
  if (lifetime !== undefined && lifetime !== '' && !/^\d+$/.test(lifetime) && !/[$%]/.test(lifetime)) {
    warn(`[CO=${v}]: lifetime '${lifetime}' is not a number of minutes`);
  }
  const yes = (s: string | undefined, word: string) => s !== undefined && ['true', '1', word].includes(s.toLowerCase());
  return {
    name,
    value,
    domain,
    ...(lifetime ? { lifetime } : {}),
    ...(path ? { path } : {}),
    secure: yes(secure, 'secure'),
    httpOnly: yes(httpOnly, 'httponly'),
    ...(sameSite && !['0', 'false'].includes(sameSite.toLowerCase()) ? { sameSite } : {}),
    raw: v,
  };
}

function numeric(flag: string, v: string, warn: Warn): number {
  if (!/^\d+$/.test(v)) warn(`[${flag}=${v}]: '${v}' is not a number; httpd reads it as ${atoi(v)}`);
  return atoi(v);
}

export const RULE_FLAGS: readonly FlagDef<RuleFlags>[] = [
  { name: 'B', aliases: ['backrefescaping'], value: 'optional', effect: 'escape backreferences', set: (f, v) => void (f.escapeBackrefs = v ? { chars: v } : {}) },
  // httpd spells the long form "backrefernoplus" (sic); "backrefnoplus" is an unknown flag to httpd 2.4.71.
  { name: 'BNP', aliases: ['backrefernoplus'], value: 'none', effect: 'escape space as %20, not +', set: on('escapeNoPlus') },
  { name: 'BCTLS', aliases: [], value: 'none', effect: 'escape controls and space in backreferences', set: on('escapeControls') },
  { name: 'BNE', aliases: [], value: 'required', effect: 'characters B/BCTLS must not escape', set: (f, v) => void (f.noEscapeChars = v) },
  { name: 'C', aliases: ['chain'], value: 'none', effect: 'skip the chained rules when this one fails', set: on('chain') },
  { name: 'CO', aliases: ['cookie'], value: 'optional', effect: 'set a cookie', set: (f, v, w) => void f.cookies.push(parseCookie(v, w)) },
  // No effect here: tsproxyd maps no request to a file, so there is never a PATH_INFO (apache2 2.4.71: [PT,DPI] to a
  // ProxyPass forwards the same URL as [PT]).
  { name: 'DPI', aliases: ['discardpath', 'D'], value: 'none', effect: 'drop PATH_INFO', set: on('discardPathInfo') },
  {
    name: 'E',
    aliases: ['env'],
    value: 'optional',
    effect: 'set or unset an environment variable',
    set: (f, v, warn) => {
      const unset = v.startsWith('!');
      const colon = v.indexOf(':');
      const name = unset ? v.slice(1) : colon < 0 ? v : v.slice(0, colon);
      if (name === '') warn(`[E=${v}] names no variable`);
      f.env.push(unset ? { name, unset, raw: v } : { name, value: colon < 0 ? '' : v.slice(colon + 1), unset, raw: v });
      return undefined;
    },
  },
  { name: 'END', aliases: [], value: 'none', effect: 'stop rewriting, no further rounds', set: on('end') },
  { name: 'F', aliases: ['forbidden'], value: 'none', effect: '403', set: (f) => void (f.status = 403) },
  { name: 'G', aliases: ['gone'], value: 'none', effect: '410', set: (f) => void (f.status = 410) },
  {
    name: 'H',
    aliases: ['handler'],
    value: 'optional',
    effect: 'force a handler',
    set: (f, v, warn) => {
      // apache2 2.4.71: [P,H=text/plain] and [PT,H=server-status] to a ProxyPass are proxied as without [H].
      warn(`[H=${v}] has no effect in tsproxyd: a proxied request is served by mod_proxy whatever the handler (as in httpd), and tsproxyd runs no other handler`);
      f.handler = v;
      return undefined;
    },
  },
  { name: 'L', aliases: ['last'], value: 'none', effect: 'stop this ruleset', set: on('last') },
  { name: 'N', aliases: ['next'], value: 'optional', effect: 'restart the ruleset', set: (f, v, w) => void (f.next = { maxRounds: v ? numeric('N', v, w) : 32000 }) },
  { name: 'NC', aliases: ['nocase'], value: 'none', effect: 'case-insensitive pattern', set: on('noCase') },
  { name: 'NE', aliases: ['noescape'], value: 'none', effect: 'do not %-escape the result', set: on('noEscape') },
  { name: 'NS', aliases: ['nosubreq'], value: 'none', effect: 'skip on sub-requests', set: on('noSubreq') },
  { name: 'P', aliases: ['proxy'], value: 'none', effect: 'proxy the result', set: on('proxy') },
  { name: 'PT', aliases: ['passthrough'], value: 'none', effect: 'pass the result on to URL mapping', set: on('passThrough') },
  { name: 'QSA', aliases: ['qsappend'], value: 'none', effect: 'append the original query', set: on('qsAppend') },
  { name: 'QSD', aliases: ['qsdiscard'], value: 'none', effect: 'discard the original query', set: on('qsDiscard') },
  { name: 'QSL', aliases: ['qslast'], value: 'none', effect: 'split the query at the last ?', set: on('qsLast') },
  { name: 'R', aliases: ['redirect'], value: 'optional', effect: 'external redirect', set: setRedirect },
  { name: 'S', aliases: ['skip'], value: 'optional', effect: 'skip the next N rules', set: (f, v, w) => void (f.skip = numeric('S', v, w)) },
  { name: 'T', aliases: ['type'], value: 'optional', effect: 'force a Content-Type', set: (f, v) => void (f.type = v) },
  { name: 'UnsafeAllow3F', aliases: [], value: 'none', effect: 'allow ? from an encoded %3f', set: on('unsafeAllow3F') },
  { name: 'UnsafePrefixStat', aliases: [], value: 'none', effect: 'allow file-system prefix lookups', set: on('unsafePrefixStat') },
  { name: 'UNC', aliases: [], value: 'none', effect: 'keep a leading //', set: on('unc') },
];

export const COND_FLAGS: readonly FlagDef<CondFlags>[] = [
  { name: 'NC', aliases: ['nocase'], value: 'none', effect: 'case-insensitive', set: on('noCase') },
  { name: 'OR', aliases: ['ornext'], value: 'none', effect: 'OR with the next condition', set: on('orNext') },
  { name: 'NV', aliases: ['novary'], value: 'none', effect: 'no Vary header', set: on('noVary') },
];

function lookup<F>(table: readonly FlagDef<F>[], key: string): FlagDef<F> | undefined {
  const k = key.toLowerCase();
  return table.find((d) => d.name.toLowerCase() === k || d.aliases.some((a) => a.toLowerCase() === k));
}

/**
 * httpd's cmd_parseflagfield: `[a,b=c,…]`. Every comma-separated piece is a flag, so `[]` and `[L,,NC]` name the
 * empty flag. For RewriteRule, httpd accepts any unknown key starting with 'd' or 'D' without effect (its 'd' case
 * has no error branch); we accept it too and warn.
 */
export function parseFlagField<F>(field: string, table: readonly FlagDef<F>[], flags: F, warn: Warn, quirkD: boolean): string | undefined {
  if (!field.startsWith('[') || !field.endsWith(']') || field.length < 2) return 'bad flag delimiters';
  for (const piece of field.slice(1, -1).split(',')) {
    const item = trimSpace(piece); // apr_isspace: ASCII blanks only
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    const def = lookup(table, key);
    if (def === undefined) {
      if (quirkD && /^d/i.test(key)) {
        warn(`unknown flag '${key}' is accepted by httpd (it ignores every flag starting with 'd') and does nothing`);
        continue;
      }
      return `unknown flag '${key}'`;
    }
    if (def.value === 'required' && value === '') return `flag '${def.name}' wants a list of characters (i.e. [${def.name}=...])`;
    if (def.value === 'none' && eq >= 0) warn(`flag '${key}' takes no value; httpd ignores '=${value}'`);
    const err = def.set(flags, value, warn);
    if (err !== undefined) return err;
  }
  return undefined;
}
