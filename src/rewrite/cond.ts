// One RewriteCond (mod_rewrite's apply_rewrite_cond, httpd 2.4.71): the test string is expanded, then compared.
//  - regex: a match of a non-negated condition becomes %1-%9 for what follows;
//  - =, <, >, <=, >=: without [NC], strings of different lengths compare by length (compare_lexicography: "10" > "9",
//    "b" < "aa"), equal lengths byte by byte; with [NC], case-insensitively (strcasecmp);
//  - -eq -ne -lt -le -gt -ge: both sides through atoi;
//  - -d -f -s -l -x: stat() on the expanded string (-l with lstat); -F as -f (httpd's file sub-request also checks
//    access); -U (a URL sub-request) is never true here, tsproxyd runs no sub-requests;
//  - the `expr` form: ap_expr (expr-eval.ts); its last =~ match becomes %0-%9 when the condition holds.
import { lstatSync, statSync, type Stats } from 'node:fs';
import type { CondPattern, RewriteCond } from '../modules/rewrite/model.js';
import { atoi } from '../modules/shared/files.js';
import { expand, type ExpandScope } from './expand.js';
import { evalExpr } from './expr-eval.js';
import { groupsText } from './trace.js';
import { variableGetter } from './vars.js';

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

/** A test string that is one %{VAR} and nothing else ("%{HTTP_HOST}"), by far the most common: its getter. */
const singleVar = new WeakMap<RewriteCond, ((s: ExpandScope) => string) | null>();

/** The expanded test string; a lone %{VAR} is looked up without going through the expander. */
function testValue(c: RewriteCond, s: ExpandScope): string {
  let get = singleVar.get(c);
  if (get === undefined) {
    const name = /^%\{([^{}]*)\}$/.exec(c.testString)?.[1];
    get = name === undefined ? null : variableGetter(name);
    singleVar.set(c, get);
  }
  return get === null ? expand(c.testString, s) : get(s);
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
    const st = { m: null as RegExpExecArray | null };
    const rc = evalExpr(p.node, s, st) !== c.negate;
    if (rc && !c.negate && st.m !== null) s.rc = st.m;
    if (s.log.on(4)) s.log.trace(4, `RewriteCond: expr='${p.source}' => ${rc ? 'matched' : 'not-matched'}`);
    if (s.log.explaining) s.log.explain(c.loc, `expr ${c.negate ? '!' : ''}'${p.source}' => ${rc ? 'matched' : 'not-matched'}${rc && !c.negate ? groupsText(st.m, '%') : ''}`);
    return rc;
  }
  const input = testValue(c, s);
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
  if (s.log.explaining) {
    const groups = rc && p.kind === 'regex' && !c.negate ? groupsText(s.rc, '%') : '';
    s.log.explain(c.loc, `'${input}' against '${patternText(c)}'${c.flags.noCase ? ' [NC]' : ''} => ${rc ? 'matched' : 'not-matched'}${groups}${c.flags.orNext ? ' [OR]' : ''}`);
  }
  if (s.log.on(4)) {
    s.log.trace(4, `RewriteCond: input='${input}' pattern='${patternText(c)}'${c.flags.noCase ? ' [NC]' : ''} => ${rc ? 'matched' : 'not-matched'}`);
  }
  return rc;
}
