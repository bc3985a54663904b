// ProxyPassReverse with a balancer:// URL (ap_proxy_location_reverse_map in proxy_util.c): a response URL that
// starts with any member's URL — followed by the path after balancer://name, when the rule has one — maps to the
// rule's local path. Done once at load by turning the rule into one plain rule per member, in member order, which
// the ordinary reverse mapping (src/proxy/reverse-map.ts) then applies in config order, first match wins.
//
// Checked with apache2 (test/conformance/request-cases/balancer-reverse): with a local path of "/" and no path
// after the name, "member/x" maps to "/x" (not "//x"), and the bare member URL to "/".
import type { BalancerDef, ReverseRule } from '../modules/proxy/types.js';

const BALANCER_URL = /^balancer:\/\/([^/]+)(.*)$/i;

export function expandBalancerReverse(rules: readonly ReverseRule[], balancers: ReadonlyMap<string, BalancerDef>): ReverseRule[] {
  if (!rules.some((r) => BALANCER_URL.test(r.url))) return [...rules];
  const out: ReverseRule[] = [];
  for (const rule of rules) {
    const m = BALANCER_URL.exec(rule.url);
    const def = m === null ? undefined : balancers.get(m[1]!.toLowerCase());
    if (m === null || def === undefined) {
      out.push(rule);
      continue;
    }
    const urlpart = m[2]! === '/' ? '' : m[2]!;
    for (const member of def.members) {
      const name = member.url.raw;
      if (urlpart !== '') out.push({ ...rule, url: (name.endsWith('/') ? name.slice(0, -1) : name) + urlpart });
      else if (rule.path === '/') out.push({ ...rule, url: `${name}/` }, { ...rule, url: name });
      else out.push({ ...rule, url: name });
    }
  }
  return out;
}
