// ProxyHCExpr conditions (mod_proxy_hcheck's hc_condition_t): an ap_expr compiled once at config time with the
// RewriteCond expr parser (src/modules/rewrite/expr.ts) plus what mod_proxy_hcheck's expr_lookup hook adds —
// %{HC_BODY} and hc('body') — and evaluated by the same evaluator (src/rewrite/expr-eval.ts) against the health
// check's response instead of a request:
//   %{REQUEST_STATUS}       the response's status
//   hc('body'), %{HC_BODY}  its body (any other hc() argument or HC_ name: empty, as httpd)
//   resp('Name')            one of its header fields (httpd's r->headers_out)
//   %{CONTENT_TYPE}         its Content-Type; %{REQUEST_METHOD}, %{SERVER_PROTOCOL}: the check's request
// The other request variables are empty, as on httpd's made-up health-check request.
import { compileExpr, type ExprDialect, type ExprNode } from '../modules/rewrite/expr.js';
import { evalExprWith, stringFunc, type ExprSource } from '../rewrite/expr-eval.js';

/** What a health check's response gives an expression. */
export interface HcResponse {
  readonly status: number;
  /** Header fields with lower-case names (repeated ones joined with ", "). */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** The check's request method and protocol ("GET", "HTTP/1.0"). */
  readonly method: string;
  readonly protocol: string;
}

export interface HcCondition {
  /** The name ProxyHCExpr gave it. */
  readonly name: string;
  /** The expression as written (between the braces). */
  readonly source: string;
  readonly node: ExprNode;
}

const HC_DIALECT: ExprDialect = {
  variable: (name) => name.startsWith('HC_'),
  functions: new Set(['hc', 'resp']),
};

/** ap_expr_parse_cmd with mod_proxy_hcheck's lookups: the condition, or httpd's message for ProxyHCExpr. */
export function compileHcCondition(name: string, source: string): { ok: true; cond: HcCondition } | { ok: false; error: string } {
  const e = compileExpr(source, HC_DIALECT);
  if (!e.ok) return { ok: false, error: `Could not parse expression "${source}": ${e.error}` };
  return { ok: true, cond: { name, source, node: e.node } };
}

const HC_SOURCE: ExprSource<HcResponse> = {
  variable(r, name) {
    switch (name) {
      case 'REQUEST_STATUS':
        return String(r.status);
      case 'CONTENT_TYPE':
        return r.headers.get('content-type') ?? '';
      case 'REQUEST_METHOD':
        return r.method;
      case 'SERVER_PROTOCOL':
        return r.protocol;
      case 'HC_BODY':
        return r.body;
      default:
        return '';
    }
  },
  func(r, name, arg) {
    if (name === 'hc') return arg.toUpperCase() === 'BODY' ? r.body : '';
    if (name === 'resp') return r.headers.get(arg.toLowerCase()) ?? '';
    return stringFunc(name, arg) ?? '';
  },
  remoteAddress: () => '',
};

/** ap_expr_exec on the health check's response. */
export function hcConditionHolds(cond: HcCondition, response: HcResponse): boolean {
  return evalExprWith(cond.node, response, { m: null }, HC_SOURCE);
}
