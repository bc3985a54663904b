// The handlers tsproxyd serves itself: a request no ProxyPass takes (or that `ProxyPass … !` excludes) whose
// <Location>/<LocationMatch> sections end with `SetHandler server-status` or `balancer-manager`. Pure.
//
// Verified against apache2 2.4.71 (same file, both Locations SetHandler server-status):
//  - a server-level `ProxyPass /px …` wins over <Location /px> SetHandler (the request is proxied), and so does a
//    ProxyPass inside that <Location>; with `ProxyPass /px !` the handler answers;
//  - the last matching section's SetHandler counts, `SetHandler None` in a later one clears it (404);
//  - Require: the last matching section that has Require lines decides (AuthMerging Off, the default; And/Or
//    combine it with the earlier one's); only GRANTED passes, anything else is 403 (AH01630);
//  - no Require at all: httpd shows the page to everyone. tsproxyd deliberately shows it to loopback clients only
//    (and --check warns), so that a status page is never public by accident.
import type { Loc } from '../../grammar/ast.js';
import { authzAllows } from '../authz/evaluate.js';
import { isLoopback } from '../authz/ip.js';
import { LOCAL_HANDLERS } from '../modules/authz/directives.js';
import { forbidden, rulesInForce } from './access.js';
import type { LocalHandler } from '../status/types.js';
import type { ServerRouting } from './routing.js';
import type { Decision, ProxySettings, RequestFacts } from './types.js';

/** The handler decision for a request no ProxyPass forwards, or undefined when no such handler applies. */
export function localHandler(routing: ServerRouting, matched: readonly number[], facts: RequestFacts, settings: ProxySettings): Decision | undefined {
  if (!routing.hasHandlers) return undefined;
  let handler: string | undefined;
  let from: Loc | undefined;
  for (const i of matched) {
    const l = routing.locations[i]!;
    if (l.handler !== undefined) [handler, from] = [l.handler, l.loc];
  }
  if (handler === undefined || !LOCAL_HANDLERS.has(handler)) return undefined;
  const authz = rulesInForce(routing, matched, undefined);
  const allowed =
    authz === undefined
      ? isLoopback(facts.remoteAddress)
      : authzAllows(authz, { remoteAddress: facts.remoteAddress, localAddress: facts.localAddress, method: facts.method });
  if (!allowed) return forbidden(facts, settings, from, authz === undefined ? `no Require in the section: ${handler} is shown to loopback clients only` : undefined);
  const call: LocalHandler = { name: handler as LocalHandler['name'], scope: routing.handlerScope };
  return { kind: 'respond', status: 200, reason: `answered by tsproxyd (SetHandler ${handler})`, settings, from, handler: call };
}
