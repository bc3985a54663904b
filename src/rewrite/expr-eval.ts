// `RewriteCond expr "…"` at request time (ap_expr_exec_re, httpd 2.4.71): the ExprNode parsed at config time
// (src/modules/rewrite/expr.ts) evaluated on the request. A successful =~ match provides $0-$9 inside the expression
// and, when the condition holds, %0-%9 for what follows (as mod_rewrite copies ap_expr's regmatch).
import { createHash } from 'node:crypto';
import { lstatSync, statSync, type Stats } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { fnmatchRe, type ExprNode, type ExprWord } from '../modules/rewrite/expr.js';
import { atoi } from '../modules/shared/files.js';
import { escapeUri, unescapeUrl } from './escape.js';
import type { ExpandScope } from './expand.js';
import { lookupVariable, plainAddress } from './vars.js';

export interface ExprState {
  /** The last successful =~ match ($0-$9). */
  m: RegExpExecArray | null;
}

const lower = (s: string) => s.replace(/[A-Z]+/g, (x) => x.toLowerCase());
const upper = (s: string) => s.replace(/[a-z]+/g, (x) => x.toUpperCase());

function variable(s: ExpandScope, name: string): string {
  const version = s.req.facts.httpVersion ?? '1.1';
  const [major = '1', minor = '1'] = version.split('.');
  switch (name) {
    case 'SERVER_PROTOCOL_VERSION':
      return String(Number(major) * 1000 + Number(minor));
    case 'SERVER_PROTOCOL_VERSION_MAJOR':
      return major;
    case 'SERVER_PROTOCOL_VERSION_MINOR':
      return minor;
    case 'DOCUMENT_URI':
      return s.req.uri;
    case 'CONTENT_TYPE':
    case 'HANDLER':
    case 'REQUEST_STATUS':
    case 'REQUEST_LOG_ID':
    case 'CONN_LOG_ID':
    case 'LAST_MODIFIED':
    case 'CONTEXT_PREFIX':
    case 'CONTEXT_DOCUMENT_ROOT':
    case 'DOCUMENT_ROOT':
      return '';
    default:
      // mod_ssl's variables (empty on a plain connection), as %{SSL:name} reads them in RewriteCond.
      if (name.startsWith('SSL_')) return s.req.facts.ssl?.(name) ?? '';
      return lookupVariable(s, name);
  }
}

/** The functions that read nothing but their argument; undefined for any other name. */
export function stringFunc(name: string, arg: string): string | undefined {
  switch (name) {
    case 'osenv':
      return process.env[arg] ?? '';
    case 'tolower':
      return lower(arg);
    case 'toupper':
      return upper(arg);
    case 'escape':
      return escapeUri(arg);
    case 'unescape':
      return unescapeUrl(arg);
    case 'base64':
      return Buffer.from(arg, 'latin1').toString('base64');
    case 'unbase64':
      return Buffer.from(arg, 'base64').toString('latin1');
    case 'md5':
      return createHash('md5').update(arg, 'latin1').digest('hex');
    case 'sha1':
      return createHash('sha1').update(arg, 'latin1').digest('hex');
    default:
      return undefined;
  }
}

function func(s: ExpandScope, name: string, arg: string): string {
  switch (name) {
    case 'req':
    case 'http':
    case 'req_novary':
      return s.req.facts.header(arg) ?? '';
    case 'reqenv':
    case 'v':
      return s.env.get(arg) ?? '';
    case 'env':
      return s.env.get(arg) ?? process.env[arg] ?? '';
    default: // the parser admits no name stringFunc does not know
      return stringFunc(name, arg) ?? '';
  }
}

/**
 * Where an expression's variables and functions come from: the request (RewriteCond expr), or what a caller
 * evaluates against instead (mod_proxy_hcheck's health-check response, src/balancer/hcheck-cond.ts).
 */
export interface ExprSource<S> {
  variable(s: S, name: string): string;
  func(s: S, name: string, arg: string): string;
  /** The client address -R tests. */
  remoteAddress(s: S): string;
}

const REQUEST_SOURCE: ExprSource<ExpandScope> = { variable, func, remoteAddress: (s) => s.req.facts.remoteAddress };

function word<S>(w: ExprWord, s: S, st: ExprState, src: ExprSource<S>): string {
  let out = '';
  for (const p of w) {
    switch (p.k) {
      case 'text':
        out += p.v;
        break;
      case 'var':
        out += src.variable(s, p.name);
        break;
      case 'fn':
        out += src.func(s, p.name, word(p.arg, s, st, src));
        break;
      case 'ref':
        out += st.m?.[p.n] ?? '';
        break;
    }
  }
  return out;
}

function stat(path: string, link: boolean): Stats | undefined {
  try {
    return link ? lstatSync(path) : statSync(path);
  } catch {
    return undefined;
  }
}

/** apr_ipsubnet_create's forms: an address, address/bits, address/netmask, or a partial IPv4 address ("10.1"). */
export function ipMatch(ip: string, spec: string): boolean {
  const addr = plainAddress(ip);
  const family = isIP(addr);
  if (family === 0) return false;
  const [net = '', bits] = spec.split('/');
  const list = new BlockList();
  try {
    if (isIP(net) === 6) list.addSubnet(net, bits === undefined ? 128 : Number(bits), 'ipv6');
    else if (isIP(net) === 4) {
      if (bits === undefined) list.addAddress(net, 'ipv4');
      else if (/^\d+$/.test(bits)) list.addSubnet(net, Number(bits), 'ipv4');
      else if (isIP(bits) === 4) {
        const prefix = bits.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0+$/, '').length, 0);
        list.addSubnet(net, prefix, 'ipv4');
      } else return false;
    } else if (/^\d{1,3}(\.\d{1,3}){0,2}\.?$/.test(net) && bits === undefined) {
      const octets = net.replace(/\.$/, '').split('.');
      list.addSubnet([...octets, ...Array(4 - octets.length).fill('0')].join('.'), octets.length * 8, 'ipv4');
    } else return false;
  } catch {
    return false; // a prefix length out of range
  }
  return list.check(addr, family === 6 ? 'ipv6' : 'ipv4');
}

const TRUE_WORDS = new Set(['', '0', 'off', 'false', 'no']);

export function evalExpr(node: ExprNode, s: ExpandScope, st: ExprState): boolean {
  return evalExprWith(node, s, st, REQUEST_SOURCE);
}

export function evalExprWith<S>(node: ExprNode, s: S, st: ExprState, src: ExprSource<S>): boolean {
  switch (node.k) {
    case 'bool':
      return node.v;
    case 'not':
      return !evalExprWith(node.e, s, st, src);
    case 'and':
      return evalExprWith(node.a, s, st, src) && evalExprWith(node.b, s, st, src);
    case 'or':
      return evalExprWith(node.a, s, st, src) || evalExprWith(node.b, s, st, src);
    case 'str': {
      const l = word(node.l, s, st, src);
      const r = word(node.r, s, st, src);
      switch (node.op) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
      }
      break;
    }
    case 'int': {
      const l = atoi(word(node.l, s, st, src));
      const r = atoi(word(node.r, s, st, src));
      return node.op === 'eq' ? l === r : node.op === 'ne' ? l !== r : node.op === 'lt' ? l < r : node.op === 'le' ? l <= r : node.op === 'gt' ? l > r : l >= r;
    }
    case 're': {
      const m = node.re.exec(word(node.l, s, st, src));
      if (m !== null) st.m = m;
      return (m !== null) !== node.negate;
    }
    case 'in': {
      const l = word(node.l, s, st, src);
      return node.list.some((w) => word(w, s, st, src) === l);
    }
    case 'match': {
      const l = word(node.l, s, st, src);
      const r = word(node.r, s, st, src);
      return node.op === 'ipmatch' ? ipMatch(l, r) : fnmatchRe(r, node.op).test(l);
    }
    case 'unary': {
      const w = word(node.w, s, st, src);
      switch (node.op) {
        case 'n':
          return w !== '';
        case 'z':
          return w === '';
        case 'T':
          return !TRUE_WORDS.has(lower(w));
        case 'R':
          return ipMatch(src.remoteAddress(s), w);
        case 'd':
          return stat(w, false)?.isDirectory() ?? false;
        case 'e':
          return w !== '' && stat(w, false) !== undefined;
        case 'f':
          return stat(w, false)?.isFile() ?? false;
        case 's':
          return (stat(w, false)?.size ?? 0) > 0;
        case 'L':
        case 'h':
          return stat(w, true)?.isSymbolicLink() ?? false;
      }
    }
  }
  return false;
}
