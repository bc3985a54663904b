// The rewrite phase of a server (mod_rewrite's hook_uri2file + apply_rewrite_list, httpd 2.4.71): the rules run in
// order on r->filename (initially the decoded path), then the result is classified.
//   - [C]: when this rule does not match, the rules chained after it are skipped;
//   - [S=n]: when it matches, the next n rules are skipped;
//   - [L], [P], [END]: stop; [PT]: stop, and proxy translation (ProxyPass) sees the new path;
//   - [N]: start again from the first rule with the current URL; httpd counts rounds from 1, so with [N=max]
//     (32000 by default) the (max-1)th restart is a 500 (apache2: [N=4] allows two restarts, [N=5] three);
//   - [F], [G], [R=4xx]: stop with that status (no substitution); [R] and an absolute result do not stop;
//   - a result longer than 2 × LimitRequestLine is a 500 (looping rules).
// Then: a forced status is returned; a rewritten query string holding controls or spaces is a 403 (AH10410,
// CVE-2023-25690); "proxy:URL" goes to mod_proxy (the query appended to the URL with [NE], which is proxy-nocanon);
// an absolute URL is a redirect (escaped unless [NE]; the query escaped unless [NE] or unchanged); [PT] hands the
// path to ProxyPass; any other local path would be a file, which tsproxyd does not serve.
// With no rule that changed anything, the request passes through (ProxyPass as usual).
import type { Loc } from '../../grammar/ast.js';
import type { RewriteRule } from '../modules/rewrite/model.js';
import { hasCtlOrSpace } from '../route/canon-path.js';
import { absoluteUriScheme, escapeAbsoluteUri, escapeUri } from './escape.js';
import { applyRule, RuleRc, runEffects, type RunState } from './rule.js';
import { RewriteLog } from './trace.js';
import type { RewriteOutcome, RewritePlan, RewriteRequest } from './types.js';
import { plainAddress, serverNameForUrl, serverPort } from './vars.js';

export type ListResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'changed'; readonly noEscape: boolean; readonly passThrough: boolean; readonly last: RewriteRule }
  | { readonly kind: 'status'; readonly reason: string; readonly rule: RewriteRule };

/** apply_rewrite_list. */
export function applyList(rules: readonly RewriteRule[], s: RunState): ListResult {
  let changed: ListResult = { kind: 'none' };
  let round = 1;
  restart: for (;;) {
    for (let i = 0; i < rules.length; i++) {
      const p = rules[i]!;
      const rc = applyRule(p, s);
      if (rc === RuleRc.NoMatch) {
        const from = i;
        while (i < rules.length && rules[i]!.flags.chain) i++; // skip the chained rules
        if (i > from && s.log.explaining) s.log.explain(p.loc, `[C]: the ${i - from} rule(s) chained to it are skipped`);
        continue;
      }
      if (rc === RuleRc.StatusSet) return { kind: 'status', reason: 'Unsafe URL with %3f URL rewritten without UnsafeAllow3F (AH10508)', rule: p };
      if (s.filename.length > s.server.maxFilename) {
        s.log.error(undefined, `RewriteRule '${p.source}' and URI '${s.req.uri}' exceeded maximum length (${s.server.maxFilename})`);
        s.status = 500;
        return { kind: 'status', reason: 'the rewritten URL exceeds twice LimitRequestLine', rule: p };
      }
      if (p.flags.status !== undefined) return { kind: 'status', reason: `RewriteRule forces status ${p.flags.status}`, rule: p };
      if (rc === RuleRc.Match) changed = { kind: 'changed', noEscape: p.flags.noEscape, passThrough: false, last: p };
      if (p.flags.passThrough) {
        s.log.trace(2, `forcing '${s.filename}' to get passed through to next API URI-to-filename handler`);
        if (s.log.explaining) s.log.explain(p.loc, `[PT]: ProxyPass sees '${s.filename}'`);
        return { kind: 'changed', noEscape: false, passThrough: true, last: p };
      }
      if (p.flags.end) {
        s.log.trace(8, 'Rule has END flag, no further rewriting for this request');
        if (s.log.explaining) s.log.explain(p.loc, '[END]: no further rewriting');
        break restart;
      }
      if (p.flags.proxy || p.flags.last) {
        if (s.log.explaining) s.log.explain(p.loc, `[${p.flags.proxy ? 'P' : 'L'}]: the last rule applied`);
        break restart;
      }
      if (p.flags.next !== undefined) {
        if (++round >= p.flags.next.maxRounds) {
          s.log.error('AH02596', `RewriteRule '${p.source}' and URI '${s.req.uri}' exceeded maximum number of rounds (${p.flags.next.maxRounds}) via the [N] flag`);
          s.status = 500;
          return { kind: 'status', reason: `more than ${p.flags.next.maxRounds} rounds of [N] (AH02596)`, rule: p };
        }
        if (s.log.explaining) s.log.explain(p.loc, `[N]: start again from the first rule with '${s.filename}' (round ${round})`);
        continue restart;
      }
      if (p.flags.skip > 0) {
        if (s.log.explaining) s.log.explain(p.loc, `[S=${p.flags.skip}]: the next ${p.flags.skip} rule(s) are skipped`);
        i += p.flags.skip;
      }
    }
    break;
  }
  return changed;
}

/**
 * The redirect for an absolute result: escaped unless [NE], the query appended (escaped unless [NE] or unchanged);
 * undefined when an unescaped query holds a control character or space (AH10410).
 */
export function redirectTo(s: RunState, url: string, schemeLength: number, noEscape: boolean): { kind: 'redirect'; status: number; location: string } | undefined {
  let location = url;
  if (!noEscape) {
    s.log.trace(1, `escaping ${url} for redirect`);
    location = escapeAbsoluteUri(url, schemeLength);
  }
  if (s.args !== undefined) {
    const keep = noEscape || s.args === s.req.args;
    if (keep && hasCtlOrSpace(s.args)) return undefined;
    location += `?${keep ? s.args : escapeUri(s.args)}`;
  }
  const status = s.status >= 300 && s.status <= 399 ? s.status : 302;
  s.log.trace(1, `redirect to ${location} [REDIRECT/${status}]`);
  return { kind: 'redirect', status, location };
}

/** The engine's state for one run over a rule list; `carry` restores what an internal redirect keeps. */
export function newRunState(plan: Pick<RewritePlan, 'maps' | 'server'>, req: RewriteRequest, filename: string, log: RewriteLog): RunState {
  const cookies = [...(req.carry?.cookies ?? [])];
  return {
    req,
    server: plan.server,
    filename,
    args: req.args,
    env: new Map(req.carry?.env),
    now: req.now ?? new Date(),
    rr: null,
    rc: null,
    maps: plan.maps,
    log,
    status: 0,
    cookies,
    cookieNames: new Set(cookies.map((c) => c.slice(0, c.indexOf('=')))),
  };
}

/** The rewrite phase for one request (hook_uri2file). */
export function runRewrite(plan: RewritePlan, req: RewriteRequest): RewriteOutcome {
  const f = req.facts;
  const log = new RewriteLog(plan.traceLevel, plainAddress(f.remoteAddress), req.hostname ?? plan.server.name, plan.server.sid);
  const s = newRunState(plan, req, req.uri, log);
  const env = s.env;
  // Unless AllowAnyURI, only a URL-path is rewritten (CVE-2011-3368, CVE-2011-4317).
  if (!plan.options.has('AllowAnyURI') && !req.uri.startsWith('/')) {
    if (log.explaining) log.explain(undefined, `the rules are not run: '${req.uri}' is not a URL-path (RewriteOptions AllowAnyURI)`);
    log.trace(8, `Declining, request-URI '${req.uri}' is not a URL-path. Consult the manual entry for the RewriteOptions directive for options and caveats about matching other strings.`);
    return { kind: 'pass', env, cookies: s.cookies, log: log.lines };
  }
  env.set('SCRIPT_URL', env.get('REDIRECT_SCRIPT_URL') ?? req.uri);
  const port = serverPort(s);
  const portText = port === (f.tls ? 443 : 80) ? '' : `:${port}`;
  env.set('SCRIPT_URI', `${f.tls ? 'https' : 'http'}://${serverNameForUrl(s)}${portText}${env.get('SCRIPT_URL')!}`);
  log.trace(2, `init rewrite engine with requested uri ${s.filename}`);

  const r = applyList(plan.rules, s);
  const effects = runEffects(s);
  if (r.kind === 'none') {
    log.trace(1, `pass through ${s.filename}`);
    return { kind: 'pass', ...effects };
  }
  if (r.kind === 'status') return { kind: 'status', status: s.status, reason: r.reason, from: r.rule.loc, ...effects };
  const from: Loc = r.last.loc;
  const badQuery = (): RewriteOutcome => {
    log.error('AH10410', 'Rewritten query string contains control characters or spaces');
    return { kind: 'status', status: 403, reason: 'rewritten query string holds a control character or space (AH10410)', from, ...effects };
  };
  const filename = s.filename;
  const scheme = filename.startsWith('proxy:') ? { length: 0, queryOk: false } : absoluteUriScheme(filename);
  // A redirect escapes the query it sends (unless [NE] or unchanged); anything else must not carry controls.
  if (s.args !== undefined && scheme.length === 0 && hasCtlOrSpace(s.args)) return badQuery();
  if (r.passThrough) return { kind: 'passthrough', uri: s.filename, args: s.args, from, ...effects };

  if (filename.length > 6 && filename.startsWith('proxy:')) {
    let url = filename.slice(6);
    if (r.noEscape && s.args !== undefined) url += `?${s.args}`;
    log.trace(1, `go-ahead with proxy request ${filename}${r.noEscape && s.args !== undefined ? `?${s.args}` : ''} [OK]`);
    return { kind: 'proxy', url, args: r.noEscape ? undefined : s.args, raw: r.noEscape, from, ...effects };
  }
  if (scheme.length > 0) {
    const red = redirectTo(s, filename, scheme.length, r.noEscape);
    return red === undefined ? badQuery() : { ...red, from, ...effects };
  }
  log.trace(2, `local path result: ${filename}`);
  if (!filename.startsWith('/')) {
    return { kind: 'status', status: 400, reason: `rewritten to '${filename}', neither a URL nor a URL-path`, from, ...effects };
  }
  return { kind: 'local', path: filename, from, ...effects };
}
