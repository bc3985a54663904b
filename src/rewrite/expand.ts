// mod_rewrite's do_expand (httpd 2.4.71): one pass over a substitution or test string, so that nothing an expansion
// produces is expanded again (the request cannot inject %{…} or ${…}):
//   \c      the character c itself
//   $N %N   back-reference N (0-9) of the rule's pattern / of the last matched RewriteCond; empty when unset
//   %{VAR}  lookup_variable (vars.ts)
//   ${map:key|default}  a RewriteMap lookup; key and default are expanded first; default when the lookup fails
//   anything else (a lone $ or %, "${" or "%{" without a closing brace) is copied.
// [B]/[BCTLS]/[BNE]/[BNP] escape back-references in a rule's substitution (escape.ts). httpd 2.4.62+ also tracks
// whether the result's first '?' comes from the config text or from an expansion: from an expansion, it may be a
// decoded %3f from the URL (CVE-2024-38474), and the rule is refused without [UnsafeAllow3F] (apache2 2.4.71:
// `RewriteRule ^/m/(.*) /x/$1` 403s /m/a%3fb, `RewriteRule ^/m/(.*) /x?a=$1` does not).
import type { RewriteRule } from '../modules/rewrite/model.js';
import { escapeBackref, type BackrefEscaping } from './escape.js';
import type { MapStore } from './map-store.js';
import type { RewriteLog } from './trace.js';
import { lookupVariable, type VarScope } from './vars.js';

export interface ExpandScope extends VarScope {
  /** The rule pattern's match ($N), null when the pattern is negated. */
  rr: RegExpExecArray | null;
  /** The last matched RewriteCond regex (%N). */
  rc: RegExpExecArray | null;
  readonly maps: MapStore;
  readonly log: RewriteLog;
}

export interface Expanded {
  readonly text: string;
  /** The first '?' of `text` came from an expansion, not from the config. */
  readonly unsafeQmark: boolean;
}

const escapings = new WeakMap<RewriteRule, BackrefEscaping | null>();

/** The rule's back-reference escaping, or undefined without [B]/[BCTLS]. */
export function backrefEscaping(rule: RewriteRule): BackrefEscaping | undefined {
  let e = escapings.get(rule);
  if (e === undefined) {
    const f = rule.flags;
    e =
      f.escapeBackrefs !== undefined || f.escapeControls
        ? {
            ...(f.escapeBackrefs?.chars !== undefined ? { chars: f.escapeBackrefs.chars } : {}),
            ...(f.noEscapeChars !== undefined ? { except: f.noEscapeChars } : {}),
            noPlus: f.escapeNoPlus,
            controls: f.escapeControls,
          }
        : null;
    escapings.set(rule, e);
  }
  return e ?? undefined;
}

/** find_closing_curly: `from` is just after the opening brace. */
function closingCurly(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '}' && --depth === 0) return i;
    if (s[i] === '{') depth++;
  }
  return -1;
}

/** find_char_in_curlies within s[from, end). */
function charInCurlies(s: string, from: number, end: number, c: string): number {
  let depth = 1;
  for (let i = from; i < end; i++) {
    if (s[i] === c && depth === 1) return i;
    if (s[i] === '}' && --depth === 0) return -1;
    if (s[i] === '{') depth++;
  }
  return -1;
}

const SPECIAL = /[\\$%]/;

/** do_expand; `escaping` is the rule's [B]… for its substitution (undefined for test strings, [E], [CO]). */
export function expandTracked(input: string, s: ExpandScope, escaping?: BackrefEscaping): Expanded {
  if (!SPECIAL.test(input)) return { text: input, unsafeQmark: false };
  let out = '';
  // '?' tracking: 0 no '?' yet, 1 the first came from the config text, 2 from an expansion.
  let qmark = 0;
  const literal = (t: string): void => {
    if (qmark === 0 && t.includes('?')) qmark = 1;
    out += t;
  };
  const expansion = (t: string): void => {
    if (qmark === 0 && t.includes('?')) qmark = 2;
    out += t;
  };
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c !== '\\' && c !== '$' && c !== '%') {
      let j = i + 1;
      while (j < input.length && input[j] !== '\\' && input[j] !== '$' && input[j] !== '%') j++;
      literal(input.slice(i, j));
      i = j;
      continue;
    }
    if (c === '\\') {
      literal(i + 1 < input.length ? input[i + 1]! : '\\');
      i += 2;
      continue;
    }
    const next = input[i + 1];
    if (next === '{') {
      const end = closingCurly(input, i + 2);
      if (end < 0) {
        literal(input.slice(i, i + 2));
        i += 2;
        continue;
      }
      if (c === '%') {
        expansion(lookupVariable(s, input.slice(i + 2, end)));
        i = end + 1;
        continue;
      }
      const colon = charInCurlies(input, i + 2, end, ':');
      if (colon < 0) {
        literal('${');
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, colon);
      const bar = charInCurlies(input, colon + 1, end, '|');
      const key = expandTracked(input.slice(colon + 1, bar < 0 ? end : bar), s, escaping).text;
      const found = s.maps.lookup(name, key, s.req.facts.mapAnswers);
      s.log.trace(5, found.note);
      if (s.log.explaining) s.log.explain(undefined, found.note);
      let value = found.value;
      if (value === undefined && bar >= 0 && bar + 1 < end) value = expandTracked(input.slice(bar + 1, end), s, escaping).text;
      if (value !== undefined) expansion(value);
      i = end + 1;
      continue;
    }
    const d = next === undefined ? -1 : next.charCodeAt(0) - 48;
    if (d >= 0 && d <= 9) {
      const m = c === '$' ? s.rr : s.rc;
      const group = m?.[d];
      if (group !== undefined && group !== '') {
        if (escaping !== undefined) {
          const escaped = escapeBackref(group, escaping);
          s.log.trace(5, `escaping backreference '${group}' to '${escaped}'`);
          expansion(escaped);
        } else expansion(group);
      }
      i += 2;
      continue;
    }
    literal(c);
    i++;
  }
  return { text: out, unsafeQmark: qmark === 2 };
}

export function expand(input: string, s: ExpandScope, escaping?: BackrefEscaping): string {
  return expandTracked(input, s, escaping).text;
}
