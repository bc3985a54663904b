// What tsproxyd -S prints for mod_proxy: <Location> ProxyPass rules first (httpd tries them first), then the
// server's ProxyPass/ProxyPassMatch list in config order (the main server's first when inherited).
import type { ConfigModel, ServerScope } from '../../config/types.js';
import type { ProxyDirConf, ProxyRoute, ProxyServerConf } from './types.js';

function params(r: ProxyRoute): string {
  const kv = Object.entries({ ...r.params, ...r.balancerParams })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : v}`);
  for (const f of ['nocanon', 'interpolate', 'noquery'] as const) if (r[f]) kv.push(f);
  return kv.length ? ` ${kv.join(' ')}` : '';
}

export function describeRoute(r: ProxyRoute, scope = ''): string {
  const target = r.target ? r.target.raw : '! (not proxied; stops the ProxyPass walk)';
  const at = `${r.loc.file}:${r.loc.line}`;
  return `${scope}${r.kind === 'regex' ? 'ProxyPassMatch' : 'ProxyPass'} ${r.path} -> ${target}${params(r)}  (${at}${r.spelling.startsWith('Proxy') && !r.spelling.startsWith('ProxyPass') ? `, written '${r.spelling}'` : ''})`;
}

export function describeProxy(scope: ServerScope, model: ConfigModel): string[] {
  const out: string[] = [];
  for (const d of scope.dirs) {
    const route = (d.confs.get('proxy') as ProxyDirConf | undefined)?.route;
    if (route) out.push(describeRoute(route, `<${d.section} ${d.args.join(' ')}> `));
  }
  const own = (scope.confs.get('proxy') as ProxyServerConf | undefined);
  if (scope.isVirtual) {
    for (const r of (model.main.confs.get('proxy') as ProxyServerConf | undefined)?.routes ?? []) out.push(describeRoute(r, '(from main server) '));
  }
  for (const r of own?.routes ?? []) out.push(describeRoute(r));
  for (const b of own?.balancers.values() ?? []) {
    out.push(`balancer://${b.name}: ${b.members.map((m) => m.url.raw).join(', ') || '(no members)'}`);
  }
  return out;
}
