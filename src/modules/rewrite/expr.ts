// `RewriteCond expr "…"`: the practical part of httpd's ap_expr language (server/util_expr_parse.y, util_expr_eval.c,
// httpd 2.4.71), parsed once at config time into an ExprNode; src/rewrite/expr-eval.ts evaluates it per request.
//   expr  := or;  or := and ('||' and)*;  and := not ('&&' not)*;  not := '!' not | '(' expr ')' | 'true' | 'false' | test
//   test  := word (== != < <= > >=) word | word (-eq|eq -ne|ne -lt|lt -le|le -gt|gt -ge|ge) word
//          | word (=~|!~) /regex/[i] or m#regex#[i] | word [-]in { word, … } | word (-ipmatch -strmatch -strcmatch -fnmatch) word
//          | (-n -z -T -R -d -e -f -s -L -h) word
//   word  := term ('.' term)*;  term := 'string' | "string" | digits | %{VAR} | %{func:arg} | func(word) | $0-$9
// Strings interpolate %{…} and $N. Variable and function names are case-insensitive, as in httpd; an unknown one is
// httpd's own error ("Variable 'X' does not exist", "Function 'X' does not exist"). What tsproxyd cannot evaluate
// (sub-requests: -U -A -F; resp(), note(), ldap(), file()…) is a --check error instead of a silent difference.
import { compilePcre } from '../../config/regex.js';
import { fnmatchToRegExp } from '../../config/fnmatch.js';

export type ExprPart =
  | { readonly k: 'text'; readonly v: string }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'fn'; readonly name: string; readonly arg: ExprWord }
  | { readonly k: 'ref'; readonly n: number };
export type ExprWord = readonly ExprPart[];

export type StrOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type IntOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type UnaryOp = 'n' | 'z' | 'T' | 'R' | 'd' | 'e' | 'f' | 's' | 'L' | 'h';

export type ExprNode =
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'not'; readonly e: ExprNode }
  | { readonly k: 'and' | 'or'; readonly a: ExprNode; readonly b: ExprNode }
  | { readonly k: 'str'; readonly op: StrOp; readonly l: ExprWord; readonly r: ExprWord }
  | { readonly k: 'int'; readonly op: IntOp; readonly l: ExprWord; readonly r: ExprWord }
  | { readonly k: 're'; readonly l: ExprWord; readonly re: RegExp; readonly negate: boolean }
  | { readonly k: 'in'; readonly l: ExprWord; readonly list: readonly ExprWord[] }
  | { readonly k: 'match'; readonly op: 'ipmatch' | 'strmatch' | 'strcmatch' | 'fnmatch'; readonly l: ExprWord; readonly r: ExprWord }
  | { readonly k: 'unary'; readonly op: UnaryOp; readonly w: ExprWord };

/** ap_expr's request, connection and misc variables (util_expr_eval.c). */
export const EXPR_VARS: ReadonlySet<string> = new Set([
  'HTTP_ACCEPT', 'HTTP_COOKIE', 'HTTP_FORWARDED', 'HTTP_HOST', 'HTTP_PROXY_CONNECTION', 'HTTP_REFERER', 'HTTP_USER_AGENT',
  'REQUEST_METHOD', 'REQUEST_SCHEME', 'REQUEST_URI', 'REQUEST_FILENAME', 'REMOTE_HOST', 'REMOTE_IDENT', 'REMOTE_USER',
  'SERVER_ADMIN', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'SCRIPT_FILENAME', 'PATH_INFO', 'QUERY_STRING',
  'IS_SUBREQ', 'DOCUMENT_ROOT', 'AUTH_TYPE', 'THE_REQUEST', 'CONTENT_TYPE', 'HANDLER', 'REQUEST_LOG_ID', 'SCRIPT_USER',
  'SCRIPT_GROUP', 'DOCUMENT_URI', 'LAST_MODIFIED', 'CONTEXT_PREFIX', 'CONTEXT_DOCUMENT_ROOT', 'REQUEST_STATUS',
  'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_PROTOCOL_VERSION', 'SERVER_PROTOCOL_VERSION_MAJOR', 'SERVER_PROTOCOL_VERSION_MINOR',
  'HTTPS', 'IPV6', 'CONN_LOG_ID', 'CONN_REMOTE_ADDR', 'TIME_YEAR', 'TIME_MON', 'TIME_DAY', 'TIME_HOUR', 'TIME_MIN',
  'TIME_SEC', 'TIME_WDAY', 'TIME', 'SERVER_SOFTWARE', 'API_VERSION',
]);

/** String functions tsproxyd evaluates (lower-case names). */
export const EXPR_FUNCS: ReadonlySet<string> = new Set([
  'req', 'http', 'req_novary', 'reqenv', 'v', 'env', 'osenv', 'tolower', 'toupper', 'escape', 'unescape', 'base64', 'unbase64', 'md5', 'sha1',
]);
/** Functions httpd has that need what tsproxyd has not (responses, notes, files, LDAP). */
const UNSUPPORTED_FUNCS: ReadonlySet<string> = new Set(['resp', 'note', 'file', 'filemod', 'filesize', 'ldap', 'replace', 'split', 'join', 'sha256']);

const INT_OPS: Readonly<Record<string, IntOp>> = { eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge' };
const STR_OPS: readonly StrOp[] = ['==', '!=', '<=', '>=', '<', '>'];
const UNARY: readonly UnaryOp[] = ['n', 'z', 'T', 'R', 'd', 'e', 'f', 's', 'L', 'h'];
const MATCH_OPS = ['ipmatch', 'strmatch', 'strcmatch', 'fnmatch'] as const;

class ExprError extends Error {}

/**
 * What a caller's ap_expr knows beyond the request's variables and functions, as httpd's expr_lookup hooks add
 * them (mod_proxy_hcheck: %{HC_*} and hc()). Names are matched in upper case (variables) and lower case (functions).
 */
export interface ExprDialect {
  readonly variable?: (upperName: string) => boolean;
  readonly functions?: ReadonlySet<string>;
}

const REQUEST_DIALECT: ExprDialect = {};

class Parser {
  readonly #s: string;
  readonly #d: ExprDialect;
  #i = 0;

  constructor(s: string, dialect: ExprDialect) {
    this.#s = s;
    this.#d = dialect;
  }

  parse(): ExprNode {
    const e = this.#or();
    this.#space();
    if (this.#i < this.#s.length) throw new ExprError(`syntax error near '${this.#s.slice(this.#i)}'`);
    return e;
  }

  #space(): void {
    while (this.#i < this.#s.length && /\s/.test(this.#s[this.#i]!)) this.#i++;
  }

  #peek(text: string): boolean {
    this.#space();
    return this.#s.startsWith(text, this.#i);
  }

  #eat(text: string): boolean {
    if (!this.#peek(text)) return false;
    this.#i += text.length;
    return true;
  }

  /** A keyword or operator word ("eq", "-ipmatch", "in") followed by a non-name character. */
  #eatWord(word: string): boolean {
    this.#space();
    if (!this.#s.startsWith(word, this.#i)) return false;
    const next = this.#s[this.#i + word.length];
    if (next !== undefined && /[A-Za-z0-9_]/.test(next)) return false;
    this.#i += word.length;
    return true;
  }

  #or(): ExprNode {
    let a = this.#and();
    while (this.#eat('||')) a = { k: 'or', a, b: this.#and() };
    return a;
  }

  #and(): ExprNode {
    let a = this.#not();
    while (this.#eat('&&')) a = { k: 'and', a, b: this.#not() };
    return a;
  }

  #not(): ExprNode {
    if (this.#peek('!') && !this.#peek('!~') && !this.#peek('!=')) {
      this.#i++;
      return { k: 'not', e: this.#not() };
    }
    if (this.#eat('(')) {
      const e = this.#or();
      if (!this.#eat(')')) throw new ExprError("syntax error, expecting ')'");
      return e;
    }
    if (this.#eatWord('true')) return { k: 'bool', v: true };
    if (this.#eatWord('false')) return { k: 'bool', v: false };
    return this.#test();
  }

  #test(): ExprNode {
    this.#space();
    for (const op of UNARY) {
      if (this.#eatWord(`-${op}`)) return { k: 'unary', op, w: this.#word() };
    }
    for (const op of ['U', 'A', 'F']) {
      if (this.#eatWord(`-${op}`)) throw new ExprError(`-${op} needs a sub-request, which tsproxyd does not run`);
    }
    const l = this.#word();
    for (const op of STR_OPS) if (this.#eat(op)) return { k: 'str', op, l, r: this.#word() };
    if (this.#eat('=~')) return { k: 're', l, re: this.#regex(), negate: false };
    if (this.#eat('!~')) return { k: 're', l, re: this.#regex(), negate: true };
    for (const name of Object.keys(INT_OPS)) {
      if (this.#eatWord(`-${name}`) || this.#eatWord(name)) return { k: 'int', op: INT_OPS[name]!, l, r: this.#word() };
    }
    for (const op of MATCH_OPS) if (this.#eatWord(`-${op}`)) return { k: 'match', op, l, r: this.#word() };
    if (this.#eatWord('-in') || this.#eatWord('in')) {
      if (!this.#eat('{')) throw new ExprError("syntax error, expecting '{' (tsproxyd supports only { … } lists)");
      const list: ExprWord[] = [this.#word()];
      while (this.#eat(',')) list.push(this.#word());
      if (!this.#eat('}')) throw new ExprError("syntax error, expecting '}'");
      return { k: 'in', l, list };
    }
    throw new ExprError(this.#i >= this.#s.length ? 'syntax error, unexpected $end' : `syntax error near '${this.#s.slice(this.#i)}'`);
  }

  #regex(): RegExp {
    this.#space();
    const s = this.#s;
    let sep: string;
    if (s[this.#i] === '/') sep = '/';
    else if (s[this.#i] === 'm' && s[this.#i + 1] !== undefined && !/[\sA-Za-z0-9]/.test(s[this.#i + 1]!)) sep = s[++this.#i]!;
    else throw new ExprError('syntax error, expecting a regular expression (/…/ or m#…#)');
    const start = ++this.#i;
    let source = '';
    for (; this.#i < s.length && s[this.#i] !== sep; this.#i++) {
      // "\/" inside /…/ is the separator itself.
      if (s[this.#i] === '\\' && s[this.#i + 1] === sep) source += s[++this.#i];
      else source += s[this.#i];
    }
    if (this.#i >= s.length) throw new ExprError(`unterminated regular expression at '${s.slice(start - 1)}'`);
    this.#i++;
    const nocase = s[this.#i] === 'i';
    if (nocase) this.#i++;
    if (this.#i < s.length && /[A-Za-z0-9_]/.test(s[this.#i]!)) throw new ExprError(`syntax error, unexpected T_ID near '${s.slice(this.#i)}'`);
    const re = compilePcre(source, { nocase });
    if (!re.ok) throw new ExprError(re.error);
    return re.re;
  }

  #word(): ExprWord {
    const parts: ExprPart[] = [...this.#term()];
    while (this.#peek('.') && !this.#peek('..')) {
      this.#i++;
      parts.push(...this.#term());
    }
    return parts;
  }

  #term(): ExprPart[] {
    this.#space();
    const s = this.#s;
    const c = s[this.#i];
    if (c === undefined) throw new ExprError('syntax error, unexpected $end');
    if (c === "'" || c === '"') return this.#string(c);
    if (c === '%' && s[this.#i + 1] === '{') return [this.#variable()];
    if (c === '$' && /[0-9]/.test(s[this.#i + 1] ?? '')) {
      this.#i += 2;
      return [{ k: 'ref', n: Number(s[this.#i - 1]) }];
    }
    const digits = /^[0-9]+/.exec(s.slice(this.#i));
    if (digits) {
      this.#i += digits[0].length;
      return [{ k: 'text', v: digits[0] }];
    }
    const fn = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(s.slice(this.#i));
    if (fn) {
      this.#i += fn[0].length;
      const name = this.#func(fn[1]!);
      const arg = this.#word();
      if (!this.#eat(')')) throw new ExprError("syntax error, expecting ')'");
      return [{ k: 'fn', name, arg }];
    }
    throw new ExprError(`syntax error near '${s.slice(this.#i)}'`);
  }

  #func(name: string): string {
    const n = name.toLowerCase();
    if (EXPR_FUNCS.has(n) || this.#d.functions?.has(n) === true) return n;
    if (UNSUPPORTED_FUNCS.has(n)) throw new ExprError(`Function '${name}' is not supported by tsproxyd`);
    throw new ExprError(`Function '${name}' does not exist`);
  }

  /** %{NAME} or %{func:arg}; the parser stands on the '%'. */
  #variable(): ExprPart {
    const s = this.#s;
    const end = s.indexOf('}', this.#i);
    if (end < 0) throw new ExprError(`syntax error, unterminated variable at '${s.slice(this.#i)}'`);
    const body = s.slice(this.#i + 2, end);
    this.#i = end + 1;
    const colon = body.indexOf(':');
    if (colon >= 0) return { k: 'fn', name: this.#func(body.slice(0, colon)), arg: [{ k: 'text', v: body.slice(colon + 1) }] };
    const name = body.toUpperCase();
    // mod_ssl adds its SSL_* variables to ap_expr (ssl_expr_lookup); tsproxyd has mod_ssl built in.
    if (!EXPR_VARS.has(name) && !name.startsWith('SSL_') && this.#d.variable?.(name) !== true) throw new ExprError(`Variable '${body}' does not exist`);
    return { k: 'var', name };
  }

  /** A quoted string: text, %{…} and $N; a backslash takes the next character literally. */
  #string(q: string): ExprPart[] {
    const s = this.#s;
    const parts: ExprPart[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') parts.push({ k: 'text', v: text });
      text = '';
    };
    for (this.#i++; ; ) {
      const c = s[this.#i];
      if (c === undefined) throw new ExprError('syntax error, unterminated string');
      if (c === q) {
        this.#i++;
        break;
      }
      if (c === '\\' && this.#i + 1 < s.length) {
        text += s[this.#i + 1];
        this.#i += 2;
      } else if (c === '%' && s[this.#i + 1] === '{') {
        flush();
        parts.push(this.#variable());
      } else if (c === '$' && /[0-9]/.test(s[this.#i + 1] ?? '')) {
        flush();
        parts.push({ k: 'ref', n: Number(s[this.#i + 1]) });
        this.#i += 2;
      } else {
        text += c;
        this.#i++;
      }
    }
    flush();
    return parts.length > 0 ? parts : [{ k: 'text', v: '' }];
  }
}

export type ExprParse = { ok: true; node: ExprNode } | { ok: false; error: string };

/** ap_expr_parse_cmd: the parsed expression, or the parser's own message (no prefix). */
export function compileExpr(source: string, dialect: ExprDialect = REQUEST_DIALECT): ExprParse {
  try {
    return { ok: true, node: new Parser(source, dialect).parse() };
  } catch (err) {
    if (err instanceof ExprError) return { ok: false, error: err.message };
    throw err;
  }
}

/** ap_expr_parse_cmd for a RewriteCond: httpd's message on failure (without the "RewriteCond: " prefix). */
export function parseExpr(source: string): ExprParse {
  const e = compileExpr(source);
  return e.ok ? e : { ok: false, error: `cannot compile expression "${source}" ${e.error}` };
}

/** -strmatch / -strcmatch / -fnmatch patterns, compiled when constant (else per request). */
export function fnmatchRe(pattern: string, op: 'strmatch' | 'strcmatch' | 'fnmatch'): RegExp {
  return fnmatchToRegExp(pattern, { pathname: op === 'fnmatch', nocase: op === 'strcmatch' });
}
