// mod_authz_core on proxied requests: the Require rules of the <Proxy>/<ProxyMatch> sections that match the backend
// URL, then of the <Location> sections that match the path (httpd's map_to_storage runs proxy_walk, then the location
// walk is redone on top), merged as AuthMerging says. Pure.
//
// Verified against apache2 2.4.71 (request case authz-proxied): a later <Location> overrides a <Proxy> (AuthMerging
// Off), a [P] target meets the <Proxy> sections, a path nothing proxies is refused before its 404, and a server-level
// [R]/[F] answers before any Require is looked at.
import type { Loc } from '../../grammar/ast.js';
import { authzAllows, mergeAuthz } from '../authz/evaluate.js';
import type { AuthzContainer } from '../modules/authz/types.js';
import type { ServerRouting } from './routing.js';
import type { Decision, ProxySettings, RequestFacts } from './types.js';
import { respond } from './forward-url.js';

/** A section's Require rules with its AuthMerging. */
export interface SectionAuthz {
  readonly node: AuthzContainer;
  readonly merging: 'Off' | 'And' | 'Or';
}

/** One <Proxy url>/<ProxyMatch regex> with Require rules, matched against the URL after "proxy:". */
export interface CompiledProxySection {
  /** prefix: strncmp against the URL; fnmatch: the whole URL (apr_fnmatch without flags); regex: unanchored search. */
  readonly kind: 'prefix' | 'fnmatch' | 'regex';
  readonly path: string;
  readonly regex: RegExp | undefined;
  readonly authz: SectionAuthz;
  readonly loc: Loc;
}

function fold(acc: AuthzContainer | undefined, s: SectionAuthz): AuthzContainer {
  return acc !== undefined && s.merging !== 'Off' ? mergeAuthz(acc, s.node, s.merging) : s.node;
}

const proxyMatches = (p: CompiledProxySection, url: string): boolean => (p.kind === 'prefix' ? url.startsWith(p.path) : p.regex!.test(url));

/** The Require rules in force: <Proxy> sections for `proxyUrl` (when proxied), then the matching <Location>s. */
export function rulesInForce(routing: ServerRouting, matched: readonly number[], proxyUrl: string | undefined): AuthzContainer | undefined {
  let authz: AuthzContainer | undefined;
  if (proxyUrl !== undefined) for (const p of routing.proxySections) if (proxyMatches(p, proxyUrl)) authz = fold(authz, p.authz);
  for (const i of matched) {
    const a = routing.locations[i]!.authz;
    if (a !== undefined) authz = fold(authz, a);
  }
  return authz;
}

/** httpd's 403 for a client the rules refuse, with its error-log line (AH01630). */
export function forbidden(facts: RequestFacts, settings: ProxySettings | undefined, from: Loc | undefined, why = 'client denied by server configuration (AH01630)'): Decision {
  // httpd's line names the file it would have served (or proxy:URL); tsproxyd names the request's path.
  const client = `[client ${facts.remoteAddress}:${facts.remotePort}]`;
  const path = facts.target.split('?')[0];
  return { ...respond(403, why, settings, from), log: [`[authz_core:error] ${client} AH01630: client denied by server configuration: ${path}`] };
}

/** The 403 when Require rules refuse the client, else undefined (also when no rule applies: httpd grants). */
export function refusal(routing: ServerRouting, matched: readonly number[], proxyUrl: string | undefined, facts: RequestFacts, settings: ProxySettings | undefined): Decision | undefined {
  if (!routing.hasAuthz) return undefined;
  const authz = rulesInForce(routing, matched, proxyUrl);
  if (authz === undefined) return undefined;
  if (authzAllows(authz, { remoteAddress: facts.remoteAddress, localAddress: facts.localAddress, method: facts.method })) return undefined;
  return forbidden(facts, settings, authz.loc);
}
