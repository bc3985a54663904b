// --check warnings for ProxyPass rules that can never be reached: an earlier prefix rule (first match wins)
// already takes every path this one would, or the path cannot occur in a request.
//
// An earlier prefix P shadows a later prefix R exactly when P matches R itself as a path (prefixMatch): then it
// matches every extension of R too. Such a P is one of R's own prefixes that ends before a '/', at a '/', or at
// R's end, so each rule only looks up those few candidates in a map (linear in the number of rules, which
// matters for configs with tens of thousands of ProxyPass lines).
import type { Diagnostic } from '../../../grammar/ast.js';
import type { ConfigModel, ServerScope } from '../../config/types.js';
import type { ProxyRoute, ProxyServerConf } from './types.js';

/** Runs of '/' are equal for matching; compare paths with them collapsed. */
function collapse(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

/**
 * An earlier rule whose prefix matches R as a path: one of R's prefixes before or after a '/', or R itself
 * (only lengths some earlier rule has are looked up).
 */
function shadowingRule(path: string, first: ReadonlyMap<string, ProxyRoute>, lengths: ReadonlySet<number>): ProxyRoute | undefined {
  const probe = (len: number) => (lengths.has(len) ? first.get(len === path.length ? path : path.slice(0, len)) : undefined);
  for (let i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) !== 47) continue;
    const hit = (i > 0 ? probe(i) : undefined) ?? probe(i + 1);
    if (hit) return hit;
  }
  return probe(path.length);
}

/** With ProxyWebsocketFallbackToProxyHttp Off, httpd skips a ws:// rule for requests without Upgrade. */
function legacyWsSkipping(scope: ServerScope, main: ServerScope): boolean {
  const own = scope.confs.get('proxy_wstunnel') as { fallbackToProxyHttp?: boolean } | undefined;
  const base = main.confs.get('proxy_wstunnel') as { fallbackToProxyHttp?: boolean } | undefined;
  return (own?.fallbackToProxyHttp ?? base?.fallbackToProxyHttp ?? true) === false;
}

const isWs = (r: ProxyRoute) => r.target?.scheme === 'ws' || r.target?.scheme === 'wss';

function checkScope(scope: ServerScope, main: ServerScope, report: (d: Diagnostic) => void): void {
  const own = (scope.confs.get('proxy') as ProxyServerConf | undefined)?.routes ?? [];
  // httpd 2.4.71 puts the main server's ProxyPass rules before a vhost's whatever ProxyPassInherit says (measured).
  const inherits = scope !== main;
  const inherited = inherits ? ((main.confs.get('proxy') as ProxyServerConf | undefined)?.routes ?? []) : [];
  const legacy = legacyWsSkipping(scope, main);
  const first = new Map<string, ProxyRoute>(); // collapsed prefix → the first rule with it
  const lengths = new Set<number>(); // the lengths of first's keys
  const all = [...inherited, ...own];
  all.forEach((r, j) => {
    const mine = j >= inherited.length;
    if (r.kind !== 'prefix') return;
    const path = collapse(r.path);
    if (mine && !path.startsWith('/')) {
      report({ code: 'TSP_ROUTE_NEVER', severity: 'warning', loc: r.loc, message: `${r.spelling} ${r.path} can never match: request paths start with '/'` });
      return;
    }
    const earlier = mine && first.size > 0 ? shadowingRule(path, first, lengths) : undefined;
    if (earlier) {
      report({
        code: 'TSP_ROUTE_SHADOWED',
        severity: 'warning',
        loc: r.loc,
        message: `${r.spelling} ${r.path} is never used: ${earlier.spelling} ${earlier.path} at ${earlier.loc.file}:${earlier.loc.line} matches every such path first (first match wins; put the more specific rule first)`,
      });
    }
    if (!(legacy && isWs(r)) && !first.has(path)) {
      first.set(path, r);
      lengths.add(path.length);
    }
  });
}

export function warnShadowedRoutes(model: ConfigModel, report: (d: Diagnostic) => void): void {
  checkScope(model.main, model.main, report);
  for (const v of model.vhosts) checkScope(v, model.main, report);
}
