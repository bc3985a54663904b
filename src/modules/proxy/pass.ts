// ProxyPass / ProxyPassMatch (and the one-line Proxy / ProxyMatch spellings from the mod_proxy_wstunnel text):
// word parsing exactly as httpd's add_pass, producing a typed ProxyRoute.
import { compilePcre } from '../../config/regex.js';
import { warnIfReDoS } from '../../config/regex-safety.js';
import type { Site } from '../../config/types.js';
import { parseTargetUrl } from './target-url.js';
import type { ProxyRoute } from './types.js';
import { hcParamContext } from './hcheck.js';
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
  let first = 0; // index of the first word after an optional '~'
  if (words[0] === '~') {
    if (regex) return { ok: false, error: "ProxyPassMatch invalid syntax ('~' usage)." };
    regex = true;
    first = 1;
  }
  const location = locationOf(at);
  let path: string;
  let url: string | undefined;
  let params: readonly string[];
  if (location) {
    url = words[first];
    params = words.slice(first + 1);
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
    path = words[first] ?? '';
    url = words[first + 1];
    params = words.length > first + 2 ? words.slice(first + 2) : [];
  }
  if (url === undefined) return { ok: false, error: 'ProxyPass|ProxyPassMatch needs a path when not defined in a location' };

  let compiled: RegExp | undefined;
  if (regex) {
    const c = compilePcre(path);
    if (!c.ok) return { ok: false, error: `Regular expression could not be compiled. (${c.error})` };
    warnIfReDoS(path, at, location ? undefined : at.words[first]);
    compiled = c.re;
  }

  let target;
  if (url !== '!') {
    const t = parseTargetUrl(url, name);
    if (!t.ok) return { ok: false, error: t.error };
    target = t.value;
  }
  const isBalancer = target?.scheme === 'balancer';
  const flags = { nocanon: false, interpolate: false, noquery: false };
  const workerParams: WorkerParams = {};
  const balancerParams: BalancerParams = {};
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) {
      const lower = p.toLowerCase();
      if (!BARE_KEYWORDS.has(lower)) {
        return { ok: false, error: "Invalid ProxyPass|ProxyPassMatch parameter. Parameter must be in the form 'key=value'." };
      }
      flags[lower as keyof typeof flags] = true;
      continue;
    }
    const err = isBalancer
      ? setParam('balancer', balancerParams, p.slice(0, eq), p.slice(eq + 1))
      : setParam('worker', workerParams, p.slice(0, eq), p.slice(eq + 1), hcParamContext(at));
    if (err) return { ok: false, error: err === 'unknown mapping' ? err : `${name} ${err}` };
  }
  return {
    ok: true,
    route: {
      kind: regex ? 'regex' : 'prefix',
      path,
      regex: compiled,
      target,
      params: workerParams,
      balancerParams,
      nocanon: flags.nocanon,
      interpolate: flags.interpolate,
      noquery: flags.noquery,
      spelling,
      loc: at.loc,
      inLocation: location !== undefined,
    },
  };
}
