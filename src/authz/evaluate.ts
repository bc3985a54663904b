// mod_authz_core's apply_authz_sections for the providers tsproxyd evaluates (all, ip, local, method), pure.
// A provider tsproxyd does not evaluate (host, env, expr, user …) is "unknown": the result is GRANTED only when it
// would be whatever that provider said, so an unknown rule never opens access (safe in <RequireNone> and `not`).
import type { AuthzContainer, AuthzNode } from '../modules/authz/types.js';
import { addressBytes, isLoopback, sameAddress, subnetContains } from './ip.js';

export type AuthzResult = 'granted' | 'denied' | 'neutral' | 'unknown';

export interface AuthzFacts {
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly method: string;
}

function provider(node: Extract<AuthzNode, { kind: 'require' }>, f: AuthzFacts): AuthzResult {
  const t = node.test;
  switch (t.kind) {
    case 'all':
      return t.granted ? 'granted' : 'denied';
    case 'ip': {
      const a = addressBytes(f.remoteAddress);
      return a !== undefined && t.subnets.some((s) => subnetContains(s, a)) ? 'granted' : 'denied';
    }
    case 'local':
      // authz_host's local: the client is a loopback address, or the very address it connected to.
      return isLoopback(f.remoteAddress) || sameAddress(f.remoteAddress, f.localAddress) ? 'granted' : 'denied';
    case 'method':
      return t.methods.has(f.method.toUpperCase()) ? 'granted' : 'denied';
    case 'unsupported':
      return 'unknown';
  }
}

function negated(r: AuthzResult): AuthzResult {
  if (r === 'granted') return 'denied';
  if (r === 'denied') return 'neutral';
  return r;
}

export function evaluateAuthz(node: AuthzNode, f: AuthzFacts): AuthzResult {
  if (node.kind === 'require') {
    const r = provider(node, f);
    return node.negate ? negated(r) : r;
  }
  const r = container(node, f);
  return node.negate ? negated(r) : r;
}

function container(c: AuthzContainer, f: AuthzFacts): AuthzResult {
  let granted = false;
  let denied = false;
  let unknown = false;
  for (const child of c.children) {
    const r = evaluateAuthz(child, f);
    if (r === 'granted') {
      if (c.op === 'or') return 'granted';
      granted = true;
    } else if (r === 'denied') {
      if (c.op === 'and') return 'denied';
      denied = true;
    } else if (r === 'unknown') unknown = true;
  }
  if (unknown) return 'unknown';
  if (c.op === 'and') return granted ? 'granted' : 'neutral';
  return denied ? 'denied' : 'neutral';
}

/** Whether a request is allowed by a section's rules: only a definite GRANTED is (httpd: DENIED and NEUTRAL → 403). */
export function authzAllows(node: AuthzNode, f: AuthzFacts): boolean {
  return evaluateAuthz(node, f) === 'granted';
}

/** AuthMerging And/Or: the earlier section's rules combined with the later one's. */
export function mergeAuthz(earlier: AuthzContainer, later: AuthzContainer, how: 'And' | 'Or'): AuthzContainer {
  return { kind: 'container', name: 'section', op: how === 'And' ? 'and' : 'or', negate: false, children: [earlier, later], loc: later.loc };
}

/** Whether a tree holds a provider tsproxyd does not evaluate. */
export function unsupportedProviders(node: AuthzNode): string[] {
  if (node.kind === 'require') return node.test.kind === 'unsupported' ? [node.test.provider] : [];
  return node.children.flatMap(unsupportedProviders);
}
