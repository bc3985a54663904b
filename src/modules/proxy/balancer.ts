// BalancerMember and ProxySet (mod_proxy's add_member and set_proxy_param): members and params of
// <Proxy balancer://name> sections, or of a URL named on the line.
import type { DirectiveDef, Site } from '../../config/types.js';
import { parseTargetUrl } from './target-url.js';
import type { BalancerDef, ProxyDirConf, ProxyServerConf } from './types.js';
import { hcConditionFor, hcParamContext } from './hcheck.js';
import { setParam, type WorkerParams } from './worker-params.js';

/** The URL of the enclosing <Proxy url> section, if the directive stands in one. */
export function proxySectionUrl(at: Site): string | undefined {
  const sec = at.sections.find((s) => s.cls === 'Proxy');
  if (sec === undefined || sec.name !== 'Proxy') return undefined;
  const url = sec.args[0]?.text ?? '';
  return url.replace(/^proxy:/i, '');
}

function balancerName(url: string): string | undefined {
  const m = /^balancer:\/\/([^/?#]+)/i.exec(url);
  return m ? m[1]!.toLowerCase() : undefined;
}

export function ensureBalancer(conf: ProxyServerConf, name: string, at: Site): BalancerDef {
  let b = conf.balancers.get(name);
  if (b === undefined) {
    b = { name, members: [], params: {}, loc: at.loc };
    conf.balancers.set(name, b);
  }
  return b;
}

export const balancerMember: DirectiveDef<ProxyServerConf, ProxyDirConf> = {
  name: 'BalancerMember',
  args: 'RAW_ARGS',
  where: ['server', 'vhost', 'dir'],
  help: 'A balancer name and scheme with list of params',
  apply(conf, words, at) {
    const sectionUrl = proxySectionUrl(at);
    let rest = [...words];
    let name: string | undefined;
    if (sectionUrl !== undefined) {
      name = balancerName(sectionUrl);
      if (name === undefined) return `BalancerMember can only stand in <Proxy balancer://…>, not in <Proxy ${sectionUrl}>`;
      if (rest[0] !== undefined && balancerName(rest[0]) !== undefined) {
        return 'BalancerMember can not have a balancer name when defined in a location';
      }
    } else {
      if (at.dir !== undefined) return 'BalancerMember can not have a balancer name when defined in a location';
      name = rest[0] === undefined ? undefined : balancerName(rest[0]);
      if (name === undefined) return 'BalancerMember must define balancer name when outside <Proxy > section';
      rest = rest.slice(1);
    }
    const urlWord = rest[0];
    if (urlWord === undefined) return 'BalancerMember must define remote proxy server';
    const url = parseTargetUrl(urlWord, 'BalancerMember');
    if (!url.ok) return url.error;
    if (url.value.scheme === 'balancer') return 'BalancerMember a balancer cannot be a member of a balancer';
    const params: WorkerParams = {};
    const ctx = hcParamContext(at);
    for (const p of rest.slice(1)) {
      const eq = p.indexOf('=');
      if (eq < 0) return "BalancerMember Invalid parameter. Parameter must be in the form 'key=value'";
      const err = setParam('worker', params, p.slice(0, eq), p.slice(eq + 1), ctx);
      if (err) return `BalancerMember ${err}`;
    }
    const hcCondition = hcConditionFor(at, params);
    ensureBalancer(conf.server, name, at).members.push({ url: url.value, params, loc: at.loc, ...(hcCondition !== undefined ? { hcCondition } : {}) });
  },
};

export const proxySet: DirectiveDef<ProxyServerConf, ProxyDirConf> = {
  name: 'ProxySet',
  args: 'RAW_ARGS',
  where: ['server', 'vhost', 'dir'],
  help: 'A balancer or worker name with list of params',
  apply(conf, words, at) {
    let url = proxySectionUrl(at);
    let params = [...words];
    if (url === undefined) {
      if (params[0] === undefined || params[0].includes('=')) return 'ProxySet needs a URL when not defined in a <Proxy> section';
      url = params[0];
      params = params.slice(1);
    }
    if (params.length === 0) return 'ProxySet takes at least one key=value parameter';
    const bname = balancerName(url);
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) return "ProxySet Invalid parameter. Parameter must be in the form 'key=value'";
      const [k, v] = [p.slice(0, eq), p.slice(eq + 1)];
      let err: string | undefined;
      if (bname !== undefined) err = setParam('balancer', ensureBalancer(conf.server, bname, at).params, k, v);
      else {
        const t = parseTargetUrl(url, 'ProxySet');
        if (!t.ok) return t.error;
        let wp = conf.server.workerParams.get(url);
        if (wp === undefined) conf.server.workerParams.set(url, (wp = {}));
        err = setParam('worker', wp, k, v, hcParamContext(at));
      }
      if (err) return `ProxySet ${err}`;
    }
  },
};
