// One RewriteCond (mod_rewrite's apply_rewrite_cond, httpd 2.4.71): the test string is expanded, then compared.
//  - regex: a match of a non-negated condition becomes %1-%9 for what follows;
//  - =, <, >, <=, >=: without [NC], strings of different lengths compare by length (compare_lexicography: "10" > "9",
//    "b" < "aa"), equal lengths byte by byte; with [NC], case-insensitively (strcasecmp);
//  - -eq -ne -lt -le -gt -ge: both sides through atoi;
//  - -d -f -s -l -x: stat() on the expanded string (-l with lstat); -F as -f (httpd's file sub-request also checks
//    access); -U (a URL sub-request) is never true here, tsproxyd runs no sub-requests;
//  - the `expr` form (ap_expr) is not implemented: it never matches (httpd's result for an expression that fails).
import { lstatSync, statSync, type Stats } from 'node:fs';
import type { CondPattern, RewriteCond } from '../modules/rewrite/model.js';
import { atoi } from '../modules/shared/files.js';
import { expand, type ExpandScope } from './expand.js';

/** compare_lexicography. */
function lexicographic(a: string, b: string): number {
  if (a.length !== b.length) return a.length > b.length ? 1 : -1;
  return a === b ? 0 : a > b ? 1 : -1;
}

/** strcasecmp on ASCII letters. */
function caseless(a: string, b: string): number {
  const x = a.replace(/[A-Z]+/g, (t) => t.toLowerCase());
  const y = b.replace(/[A-Z]+/g, (t) => t.toLowerCase());
  return x === y ? 0 : x > y ? 1 : -1;
}

function stat(path: string, link: boolean): Stats | undefined {
  try {
    return link ? lstatSync(path) : statSync(path);
  } catch {
    return undefined;
  }
}

function fileTest(test: Extract<CondPattern, { kind: 'file' }>['test'], input: string): boolean {
  if (test === 'U' || input === '') return false;
  const st = stat(input, test === 'l');
  if (st === undefined) return false;
  switch (test) {
    case 'd':
      return st.isDirectory();
    case 'f':
    case 'F':
      return st.isFile();
    case 's':
      return st.isFile() && st.size > 0;
    case 'l':
      return st.isSymbolicLink();
    case 'x':
      return (st.mode & 0o111) !== 0;
  }
}

/** The CondPattern as written (for the trace). */
export function patternText(c: RewriteCond): string {
  const p = c.pattern;
  const body =
    p.kind === 'regex' ? p.source
    : p.kind === 'string' ? `${p.op}${p.op === '=' && p.value === '' ? '""' : p.value}`
    : p.kind === 'int' ? `-${p.op}${p.value}`
    : p.kind === 'file' ? `-${p.test}`
    : p.source;
  return (c.negate ? '!' : '') + body;
}

export function applyCond(c: RewriteCond, s: ExpandScope): boolean {
  const p = c.pattern;
  if (p.kind === 'expr') {
    s.log.trace(1, `RewriteCond: expr='${p.source}' evaluation failed: ap_expr conditions are not supported by tsproxyd`);
    return false;
  }
  const input = expand(c.testString, s);
  let rc: boolean;
  switch (p.kind) {
    case 'regex': {
      const m = p.re.exec(input);
      rc = m !== null;
      if (m !== null && !c.negate) s.rc = m;
      break;
    }
    case 'string': {
      const cmp = c.flags.noCase ? caseless(input, p.value) : lexicographic(input, p.value);
      rc = p.op === '=' ? cmp === 0 : p.op === '<' ? cmp < 0 : p.op === '<=' ? cmp <= 0 : p.op === '>' ? cmp > 0 : cmp >= 0;
      break;
    }
    case 'int': {
      const a = atoi(input);
      const b = atoi(p.value);
      rc = p.op === 'eq' ? a === b : p.op === 'lt' ? a < b : p.op === 'le' ? a <= b : p.op === 'gt' ? a > b : a >= b;
      break;
    }
    case 'file':
      rc = fileTest(p.test, input);
      break;
  }
  if (c.negate) rc = !rc;
  if (s.log.on(4)) {
    s.log.trace(4, `RewriteCond: input='${input}' pattern='${patternText(c)}'${c.flags.noCase ? ' [NC]' : ''} => ${rc ? 'matched' : 'not-matched'}`);
  }
  return rc;
}
