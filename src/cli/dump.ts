// tsproxyd -S: the virtual hosts (as httpd -S prints them) and what each module compiled for each of them.
import type { LoadResult } from '../config/load.js';
import type { ConfigModel, ServerScope } from '../config/types.js';
import type { CoreServerConf } from '../modules/core/types.js';

function core(scope: ServerScope): CoreServerConf | undefined {
  return scope.confs.get('core') as CoreServerConf | undefined;
}

function where(scope: ServerScope): string {
  return `(${scope.loc.file}:${scope.loc.line})`;
}

function nameOf(scope: ServerScope, model: ConfigModel): string {
  return core(scope)?.serverName?.host ?? core(model.main)?.serverName?.host ?? '(no ServerName)';
}

function vhostLines(model: ConfigModel): string[] {
  const out = ['VirtualHost configuration:'];
  const byAddr = new Map<string, ServerScope[]>();
  for (const v of model.vhosts) {
    for (const a of v.addrs) {
      const list = byAddr.get(a) ?? [];
      list.push(v);
      byAddr.set(a, list);
    }
  }
  for (const [addr, list] of byAddr) {
    if (list.length === 1) {
      out.push(`${addr.padEnd(22)} ${nameOf(list[0]!, model)} ${where(list[0]!)}`);
      continue;
    }
    out.push(`${addr.padEnd(22)} is a NameVirtualHost`);
    out.push(`         default server ${nameOf(list[0]!, model)} ${where(list[0]!)}`);
    for (const v of list) {
      out.push(`         port ${addr.split(':').pop()} namevhost ${nameOf(v, model)} ${where(v)}`);
      for (const alias of core(v)?.serverAliases ?? []) out.push(`                 alias ${alias}`);
    }
  }
  return out;
}

export function dump(result: LoadResult): string {
  const { model, registry } = result;
  const out = vhostLines(model);
  out.push(`ServerRoot: "${model.serverRoot}"`);
  const listen = core(model.main)?.listen ?? [];
  out.push(`Listen: ${listen.length ? listen.map((l) => `${l.host ?? '*'}:${l.port} (${l.protocol})`).join(', ') : '(none)'}`);
  const defines = [...model.defines.keys()];
  if (defines.length) out.push(`Define: ${defines.join(' ')}`);
  for (const scope of [model.main, ...model.vhosts]) {
    const lines: string[] = [];
    for (const mod of registry.modules) lines.push(...(mod.describe?.(scope, model) ?? []));
    const title = scope.isVirtual ? `<VirtualHost ${scope.addrs.join(' ')}> ${nameOf(scope, model)} ${where(scope)}` : 'main server';
    out.push('', `Routing, ${title} (in the order requests meet it):`);
    out.push(...(lines.length ? lines.map((l) => `  ${l}`) : ['  (no routing rules)']));
  }
  return out.join('\n');
}
