// mod_rewrite's own argument parsing: RewriteRule and RewriteCond are RAW_ARGS in httpd and split their line with
// parseargline(), not with ap_getword_conf(); CondPattern operators; the substitution's kind.
import { compilePcre } from '../../config/regex.js';
import { isSpace, trimSpace } from '../../config/values.js';
import { parseExpr } from './expr.js';
import type { CondPattern, FileTest, IntOp, StringOp, Substitution } from './model.js';

export interface ArgLine {
  readonly a1: string;
  readonly a2: string;
  readonly a3?: string;
  /** Text after the third argument, which httpd silently ignores. */
  readonly trailing: string;
}

/**
 * httpd's parseargline(): up to three words; a word may be quoted with " or ' (no escapes inside; the quote ends
 * it), and outside quotes a backslash keeps the following whitespace in the word (the backslash stays). Blanks are
 * apr_isspace's (ASCII only: U+00A0 is a word character). Fails only
 * when the first word runs to the end of the line (so there is no second word).
 */
export function parseArgLine(raw: string): ArgLine | undefined {
  let i = 0;
  const words: string[] = [];
  const skipSpace = () => {
    while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
  };
  for (let n = 0; n < 3; n++) {
    skipSpace();
    if (n > 0 && i >= raw.length) break;
    const q = raw[i] === '"' || raw[i] === "'" ? raw[i++] : undefined;
    const start = i;
    for (; i < raw.length; i++) {
      const c = raw[i]!;
      if (q === undefined ? isSpace(c.charCodeAt(0)) : c === q) break;
      if (c === '\\' && i + 1 < raw.length && isSpace(raw.charCodeAt(i + 1))) i++;
    }
    if (n === 0 && i >= raw.length) return undefined;
    words.push(raw.slice(start, i));
    i++; // past the terminator
  }
  const [a1 = '', a2 = '', a3] = words;
  return { a1, a2, ...(a3 !== undefined ? { a3 } : {}), trailing: trimSpace(raw.slice(Math.min(i, raw.length))) };
}

/** Schemes httpd's is_absolute_uri() recognises (mod_rewrite.c). */
const SCHEMES: readonly string[] = [
  'ajp://', 'balancer://', 'fcgi://', 'ftp://', 'gopher://', 'h2://', 'h2c://', 'http://', 'https://', 'ldap://',
  'mailto:', 'news:', 'nntp://', 'scgi://', 'uwsgi://', 'unix:', 'ws://', 'wss://',
];

export function classifySubstitution(text: string): Substitution {
  if (text === '-') return { text, kind: 'none' };
  const lower = text.toLowerCase();
  const scheme = SCHEMES.find((s) => lower.startsWith(s));
  if (scheme !== undefined) return { text, kind: 'absolute', scheme: scheme.replace(/:(\/\/)?$/, '') };
  if (text.startsWith('/')) return { text, kind: 'url-path' };
  if (/^(?:[$%][0-9{])/.test(text)) return { text, kind: 'dynamic' };
  return { text, kind: 'relative' };
}

const FILE_TESTS: Readonly<Record<string, FileTest>> = { d: 'd', f: 'f', s: 's', l: 'l', L: 'l', h: 'l', x: 'x', U: 'U', F: 'F' };
const INT_OPS: Readonly<Record<string, IntOp>> = { eq: 'eq', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge' };

export type CondParse =
  | { ok: true; pattern: CondPattern; negate: boolean; nocaseIgnored: boolean }
  | { ok: false; error: string };

/**
 * httpd's CondPattern rules: a leading '!' negates; TestString `expr` makes it an ap_expr; `-X` one-letter file tests;
 * `-eq -ne -lt -le -gt -ge` (followed by at least one character); `<`, `>`, `<=`, `>=`, `=` (`=""` is the empty
 * string); anything else, including unknown `-zz`, is a regex.
 */
export function parseCondPattern(testString: string, raw: string, nocase: boolean): CondParse {
  let negate = raw.startsWith('!');
  const p = negate ? raw.slice(1) : raw;
  let pattern: CondPattern | undefined;
  if (testString.toLowerCase() === 'expr') {
    const e = parseExpr(p);
    if (!e.ok) return { ok: false, error: e.error };
    pattern = { kind: 'expr', source: p, node: e.node };
  }
  else if (p.length >= 2 && p[0] === '-') {
    const file = p.length === 2 ? FILE_TESTS[p[1]!] : undefined;
    const intOp = p.length > 3 ? p.slice(1, 3) : '';
    if (file !== undefined) pattern = { kind: 'file', test: file };
    else if (intOp === 'ne') {
      pattern = { kind: 'int', op: 'eq', value: p.slice(3) };
      negate = !negate;
    } else if (INT_OPS[intOp] !== undefined) pattern = { kind: 'int', op: INT_OPS[intOp]!, value: p.slice(3) };
  } else if (p.length >= 2 && /^[<>=]/.test(p)) {
    const op = (p[1] === '=' && p[0] !== '=' ? p.slice(0, 2) : p[0]) as StringOp;
    const value = p.slice(op.length);
    pattern = { kind: 'string', op, value: op === '=' && value === '""' ? '' : value };
  }
  if (pattern === undefined) {
    const re = compilePcre(p, { nocase });
    if (!re.ok) return { ok: false, error: re.error };
    pattern = { kind: 'regex', re: re.re, source: p };
  }
  const nocaseIgnored = nocase && pattern.kind !== 'regex' && pattern.kind !== 'string';
  return { ok: true, pattern, negate, nocaseIgnored };
}
