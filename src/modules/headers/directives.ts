// mod_headers (mod_headers.c): Header and RequestHeader compiled into typed, ordered header operations.
// httpd splits the line itself (RAW_ARGS + ap_getword_conf, the same unquoting the walker gives us):
//   Header [always|onsuccess] action header [value] [replacement] [early|env=[!]var|expr=…]
// Messages are httpd 2.4.71's, checked with `apache2 -t`.
import { compilePcre } from '../../config/regex.js';
import type { DirectiveDef, ModuleDef, Site } from '../../config/types.js';

export type HeaderAction = 'set' | 'append' | 'add' | 'merge' | 'unset' | 'echo' | 'edit' | 'edit*' | 'setifempty' | 'note';
export type HeaderTable = 'request' | 'onsuccess' | 'always';

/** A value format: literal text and %-tags (%t %D %l %i %b %{VAR}e %{VAR}s). */
export type FormatTag = 't' | 'D' | 'l' | 'i' | 'b' | 'e' | 's';
export type FormatPart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'tag'; readonly tag: FormatTag; readonly arg: string };

export type HeaderCondition =
  | { readonly kind: 'early' }
  | { readonly kind: 'env'; readonly name: string; readonly negate: boolean }
  | { readonly kind: 'expr'; readonly source: string };

export interface HeaderOp {
  readonly table: HeaderTable;
  readonly action: HeaderAction;
  /** Header name (anything from the first ':' on is dropped, as httpd does); the note name for `note`. */
  readonly header: string;
  /** echo: the header-name regex; edit/edit*: the value regex. */
  readonly regex?: RegExp;
  /** The value format (set, append, add, merge, setifempty, note), unless `valueExpr` is used. */
  readonly value?: readonly FormatPart[];
  /** value written as expr=…: an ap_expr string expression (kept as text). */
  readonly valueExpr?: string;
  /** edit/edit*: the replacement format, whose text may hold $N backreferences. */
  readonly replacement?: readonly FormatPart[];
  readonly condition?: HeaderCondition;
}

export interface HeadersConf {
  readonly ops: HeaderOp[];
}

const ACTIONS: readonly HeaderAction[] = ['set', 'append', 'add', 'merge', 'unset', 'echo', 'edit', 'edit*', 'setifempty', 'note'];
const TAGS: readonly FormatTag[] = ['t', 'D', 'l', 'i', 'b', 'e', 's'];
const BAD_ACTION = "first argument must be 'add', 'set', 'setifempty', 'append', 'merge', 'unset', 'echo', 'note', 'edit', or 'edit*'.";

/** httpd's parse_format_string: `%%` and a final `%` are a literal '%'; `%{arg}X` needs a known X. */
export function parseHeaderFormat(s: string): readonly FormatPart[] | string {
  const parts: FormatPart[] = [];
  let i = 0;
  while (i < s.length) {
    const pct = s.indexOf('%', i);
    if (pct !== i) {
      const end = pct < 0 ? s.length : pct;
      parts.push({ kind: 'text', text: s.slice(i, end) });
      i = end;
      continue;
    }
    i++;
    if (i >= s.length || s[i] === '%') {
      parts.push({ kind: 'text', text: '%' });
      i++;
      continue;
    }
    let arg = '';
    if (s[i] === '{') {
      const close = s.indexOf('}', i);
      arg = s.slice(i + 1, close < 0 ? s.length : close);
      i = close < 0 ? s.length : close + 1;
    }
    const tag = TAGS.find((t) => t === s[i]);
    if (tag === undefined) return `Unrecognized header format %${s[i] ?? ''}`;
    parts.push({ kind: 'tag', tag, arg });
    i++;
  }
  return parts;
}

function parseCondition(clause: string): HeaderCondition | string {
  const lower = clause.toLowerCase();
  if (lower === 'early') return { kind: 'early' };
  if (lower.startsWith('env=')) {
    const negate = clause[4] === '!';
    const name = clause.slice(negate ? 5 : 4);
    if (name === '') return 'error: missing environment variable name. envclause should be in the form env=envar ';
    return { kind: 'env', name, negate };
  }
  if (lower.startsWith('expr=')) {
    // tsproxyd keeps ap_expr text as is; only the empty expression is refused here, as httpd does.
    if (clause.length === 5) return "Can't parse envclause/expression: syntax error, unexpected $end";
    return { kind: 'expr', source: clause.slice(5) };
  }
  return `Unknown parameter: ${clause}`;
}

/** httpd's header_cmd + header_inout_cmd, in their order of checks. */
function compileHeader(request: boolean, words: readonly string[], at: Site): HeaderOp | string {
  const name = request ? 'RequestHeader' : 'Header';
  let rest = [...words];
  let table: HeaderTable = request ? 'request' : 'onsuccess';
  const first = rest[0]?.toLowerCase();
  if (!request && (first === 'always' || first === 'onsuccess')) {
    table = first;
    rest = rest.slice(1);
  }
  const [actionWord = '', header = '', value, subs, clause, ...extra] = rest;
  if (extra.length > 0) return `${name} has too many arguments`;
  const action = ACTIONS.find((a) => a === actionWord.toLowerCase());
  if (action === undefined) return BAD_ACTION;
  if (request && action === 'note') return "RequestHeader does not support the 'note' action";
  let envclause: string | undefined = clause;
  let val = value;
  let regex: RegExp | undefined;
  if (action === 'edit' || action === 'edit*') {
    if (subs === undefined) return 'Header edit requires a match and a substitution';
    const re = compilePcre(value ?? '');
    if (!re.ok) return `Header edit regex could not be compiled: ${re.error}`;
    regex = re.re;
  } else {
    if (envclause !== undefined) return 'Too many arguments to directive';
    envclause = subs;
  }
  if (action === 'unset' || action === 'echo') {
    if (val !== undefined) {
      if (envclause !== undefined) return action === 'unset' ? 'header unset takes two arguments' : 'Header echo takes two arguments';
      envclause = val;
      val = undefined;
    }
    if (action === 'echo') {
      if (request) return 'Header echo only valid on Header directives';
      const re = compilePcre(header);
      if (!re.ok) return `Header echo regex could not be compiled: ${re.error}`;
      regex = re.re;
    }
  } else if (val === undefined) return 'Header requires three arguments';
  const condition = envclause === undefined ? undefined : parseCondition(envclause);
  if (typeof condition === 'string') return condition;
  if (condition?.kind === 'early' && at.dir !== undefined) {
    at.report('warning', `${name}: 'early' in a per-directory section is accepted by httpd but never runs (early headers are applied only from server and virtual host context)`);
  }
  if (header === '') at.report('warning', `${name} ${action}: no header name given`);
  const op: HeaderOp = {
    table,
    action,
    header: header.split(':')[0]!,
    ...(regex ? { regex } : {}),
    ...(condition ? { condition } : {}),
  };
  if (action === 'edit' || action === 'edit*') {
    const replacement = parseHeaderFormat(subs ?? '');
    return typeof replacement === 'string' ? replacement : { ...op, replacement };
  }
  if (val === undefined) return op;
  if (/^expr=/i.test(val)) return { ...op, valueExpr: val.slice(5) };
  const format = parseHeaderFormat(val);
  return typeof format === 'string' ? format : { ...op, value: format };
}

function row(request: boolean, help: string): DirectiveDef<HeadersConf, HeadersConf> {
  return {
    name: request ? 'RequestHeader' : 'Header',
    args: 'RAW_ARGS',
    where: ['server', 'vhost', 'dir'],
    help,
    apply(conf, args, at) {
      const op = compileHeader(request, args, at);
      if (typeof op === 'string') return op;
      (conf.dir ?? conf.server).ops.push(op);
      return undefined;
    },
  };
}

export const headersModule: ModuleDef<HeadersConf, HeadersConf> = {
  name: 'headers',
  id: 'headers_module',
  source: 'mod_headers.c',
  createServer: () => ({ ops: [] }),
  createDir: () => ({ ops: [] }),
  directives: [
    row(false, 'an optional condition, an action, header and value followed by optional env clause'),
    row(true, 'an action, header and value followed by optional env clause'),
  ],
};
