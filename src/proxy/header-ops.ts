// mod_headers' actions applied to a HeaderList, as do_headers_fixup in modules/metadata/mod_headers.c does them:
// set, setifempty, append, merge, add, unset, edit, edit*, echo (responses) and note (ignored: no notes table).
// Formats: %% %t %D %{VAR}e %{VAR}s %l %i %b. Conditions: early (the caller runs those first), env=[!]VAR.
// expr= conditions and expr= values need ap_expr, which tsproxyd does not evaluate yet: such an op is skipped.
import { loadavg } from 'node:os';
import type { FormatPart, HeaderOp } from '../modules/headers/directives.js';
import type { HeaderList } from './header-list.js';

export interface HeaderOpContext {
  /** The request's environment (SetEnv, RewriteRule [E=]); absent variables format as "(null)", as in httpd. */
  readonly env: ReadonlyMap<string, string>;
  /** When the request was received, in microseconds since the epoch (%t), and a monotonic clock start (%D). */
  readonly requestTimeUs: number;
  readonly startedAt: bigint;
  /** The request's headers, for `Header echo`. */
  readonly requestHeaders?: HeaderList;
  /** mod_ssl's variables for %{NAME}s (TLS connections only). */
  readonly ssl?: ((name: string) => string | undefined) | undefined;
}

/** mod_headers' unwrap_header: CR and LF in a variable's value (SSL_CLIENT_CERT's PEM) become spaces. */
const unwrap = (v: string): string => (v.includes('\n') || v.includes('\r') ? v.replace(/[\r\n]/g, ' ') : v);

/** process_tags: a value format turned into text. */
export function formatValue(parts: readonly FormatPart[], ctx: HeaderOpContext): string {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') {
      out += p.text;
      continue;
    }
    switch (p.tag) {
      case 't':
        out += `t=${ctx.requestTimeUs}`;
        break;
      case 'D':
        out += `D=${(process.hrtime.bigint() - ctx.startedAt) / 1000n}`;
        break;
      case 'e':
        out += unwrap(ctx.env.get(p.arg) ?? '(null)');
        break;
      case 's':
        out += unwrap(ctx.ssl?.(p.arg) || '(null)'); // httpd: an empty or unknown SSL variable is "(null)" too
        break;
      case 'l': {
        const [a = 0, b = 0, c = 0] = loadavg();
        out += `l=${a.toFixed(2)}/${b.toFixed(2)}/${c.toFixed(2)}`;
        break;
      }
      case 'i': // httpd: idle percentage of its worker slots; one event loop is never "busy" in that sense.
        out += 'i=100';
        break;
      case 'b':
        out += 'b=0';
        break;
    }
  }
  return out;
}

/** ap_pregsub: $0..$9 are groups of the match, a backslash escapes the next character. */
function substitute(template: string, m: readonly string[]): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '$' && i + 1 < template.length && /[0-9]/.test(template[i + 1]!)) {
      out += m[Number(template[++i])] ?? '';
    } else if (c === '\\' && i + 1 < template.length) {
      out += template[++i];
    } else out += c;
  }
  return out;
}

function editValue(value: string, re: RegExp, template: string, all: boolean): string {
  const flags = re.flags.replace('g', '') + (all ? 'g' : '');
  return value.replace(new RegExp(re.source, flags), (...args: unknown[]) => {
    const groups: string[] = [];
    for (const a of args) {
      if (typeof a !== 'string' && a !== undefined) break; // the offset: groups end here
      groups.push(a ?? '');
    }
    return substitute(template, groups);
  });
}

/** mod_headers' merge: add the value unless one comma-separated element (quotes respected) already equals it. */
function hasToken(existing: string, value: string): boolean {
  let i = 0;
  while (i < existing.length) {
    while (i < existing.length && /\s/.test(existing[i]!)) i++;
    const start = i;
    while (i < existing.length && existing[i] !== ',') {
      if (existing[i++] === '"') while (i < existing.length) if (existing[i++] === '"') break;
    }
    if (existing.slice(start, i) === value) return true;
    if (i < existing.length) i++;
  }
  return false;
}

function conditionHolds(op: HeaderOp, ctx: HeaderOpContext): boolean {
  const c = op.condition;
  if (c === undefined || c.kind === 'early') return true;
  if (c.kind === 'env') return ctx.env.has(c.name) !== c.negate;
  return false; // expr=: not evaluated (see the header comment)
}

/** Applies the ops in order to `headers`. */
export function applyHeaderOps(ops: readonly HeaderOp[], headers: HeaderList, ctx: HeaderOpContext): void {
  for (const op of ops) {
    if (!conditionHolds(op, ctx) || op.valueExpr !== undefined) continue;
    const value = (): string => formatValue(op.value ?? [], ctx);
    switch (op.action) {
      case 'set':
        headers.set(op.header, value());
        break;
      case 'setifempty':
        if (!headers.has(op.header)) headers.set(op.header, value());
        break;
      case 'append':
        headers.merge(op.header, value());
        break;
      case 'merge': {
        const v = value();
        const old = headers.get(op.header);
        if (old === undefined) headers.add(op.header, v);
        else if (!hasToken(old, v)) headers.merge(op.header, v);
        break;
      }
      case 'add':
        headers.add(op.header, value());
        break;
      case 'unset':
        headers.unset(op.header);
        break;
      case 'edit':
      case 'edit*': {
        if (!op.regex || !headers.has(op.header)) break;
        // httpd edits every field of that name, removes them and adds the results at the end.
        const template = formatValue(op.replacement ?? [], ctx);
        const edited = headers.getAll(op.header).map((v) => editValue(v, op.regex!, template, op.action === 'edit*'));
        headers.unset(op.header);
        for (const v of edited) headers.add(op.header, v);
        break;
      }
      case 'echo': {
        if (!op.regex || !ctx.requestHeaders) break;
        for (const [n, v] of ctx.requestHeaders.fields) if (new RegExp(op.regex.source, op.regex.flags.replace('g', '')).test(n)) headers.add(n, v);
        break;
      }
      case 'note':
        break; // no notes table in tsproxyd (used by mod_log_config's %{…}n only)
    }
  }
}
