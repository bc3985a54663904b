// ProxyPass / ProxyPassMatch (and the one-line Proxy / ProxyMatch spellings from the mod_proxy_wstunnel text):
// word parsing exactly as httpd's add_pass, producing a typed ProxyRoute.
import { compilePcre } from '../../config/regex.js';
import type { Site } from '../../config/types.js';
import { parseTargetUrl } from './target-url.js';
import type { ProxyRoute } from './types.js';
import { setParam, type BalancerParams, type WorkerParams } from './worker-params.js';

const BARE_KEYWORDS = new Set(['nocanon', 'interpolate', 'noquery']);

/** The <Location>/<LocationMatch> a ProxyPass stands in, if any: its path and whether it is a regex. */
function locationOf(at: Site): { path: string; regex: boolean } | undefined {
  const sec = at.sections[0];
  if (sec === undefined || sec.cls !== 'Location') return undefined;
  const words = sec.args.map((w) => w.text);
  if (sec.name === 'LocationMatch') return { path: words[0] ?? '', regex: true };
  if (words[0] === '~') return { path: words[1] ?? '', regex: true };
  return { path: words[0] ?? '', regex: false };
}

export function parsePass(
  words: readonly string[],
  at: Site,
  spelling: ProxyRoute['spelling'],
): { ok: true; route: ProxyRoute } | { ok: false; error: string } {
  const name = spelling === 'ProxyMatch' ? 'ProxyPassMatch' : spelling === 'Proxy' ? 'ProxyPass' : spelling;
  let regex = name === 'ProxyPassMatch';
  const rest = [...words];
  if (rest[0] === '~') {
    if (regex) return { ok: false, error: "ProxyPassMatch invalid syntax ('~' usage)." };
    regex = true;
    rest.shift();
  }
  const location = locationOf(at);
  let path: string;
  let url: string | undefined;
  let params: string[];
  if (location) {
    url = rest[0];
    params = rest.slice(1);
    path = location.path;
    regex = regex || location.regex;
    const stray = params.find((p) => !p.includes('=') && !BARE_KEYWORDS.has(p.toLowerCase()));
    if (stray !== undefined) {
      return {
        ok: false,
        error: url?.startsWith('/')
          ? 'ProxyPass|ProxyPassMatch can not have a path when defined in a location.'
          : "Invalid ProxyPass|ProxyPassMatch parameter. Parameter must be in the form 'key=value'.",
      };
    }
  } else {
    path = rest[0] ?? '';
    url = rest[1];
    params = rest.slice(2);
  }
  if (url === undefined) return { ok: false, error: 'ProxyPass|ProxyPassMatch needs a path when not defined in a location' };

  let compiled: RegExp | undefined;
  if (regex) {
    const c = compilePcre(path);
    if (!c.ok) return { ok: false, error: `Regular expression could not be compiled. (${c.error})` };
    compiled = c.re;
  }

  const flags = { nocanon: false, interpolate: false, noquery: false };
  const kv: [string, string][] = [];
  for (const p of params) {
    const lower = p.toLowerCase();
    if (BARE_KEYWORDS.has(lower)) {
      flags[lower as keyof typeof flags] = true;
      continue;
    }
    const eq = p.indexOf('=');
    if (eq < 0) return { ok: false, error: "Invalid ProxyPass|ProxyPassMatch parameter. Parameter must be in the form 'key=value'." };
    kv.push([p.slice(0, eq), p.slice(eq + 1)]);
  }

  let target;
  if (url !== '!') {
    const t = parseTargetUrl(url, name);
    if (!t.ok) return { ok: false, error: t.error };
    target = t.value;
  }
  const workerParams: WorkerParams = {};
  const balancerParams: BalancerParams = {};
  for (const [k, v] of kv) {
    const isBalancer = target?.scheme === 'balancer';
    const err = setParam(isBalancer ? 'balancer' : 'worker', isBalancer ? balancerParams : workerParams, k, v);
    if (err) return { ok: false, error: err === 'unknown mapping' ? err : `${name} ${err}` };
  }
  if (target && (workerParams.upgrade !== undefined) && target.scheme === 'balancer') {
    at.report('warning', `${name}: upgrade= on a balancer URL has no effect; set it on each BalancerMember`);
  }
  return {
    ok: true,
    route: {
      kind: regex ? 'regex' : 'prefix',
      path,
      ...(compiled ? { regex: compiled } : {}),
      target,
      params: workerParams,
      balancerParams,
      ...flags,
      spelling,
      loc: at.loc,
      inLocation: location !== undefined,
    },
  };
}
