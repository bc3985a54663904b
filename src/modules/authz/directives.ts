// mod_authz_core and mod_authz_host: `Require`, <RequireAll>/<RequireAny>/<RequireNone>, AuthMerging, with
// httpd's load-time checks (wording checked with apache2 -t 2.4.71). tsproxyd enforces the rules for the sections
// it answers itself (SetHandler server-status / balancer-manager, src/route/handler.ts); the providers it
// evaluates are all, ip, local and method (src/authz/evaluate.ts), on proxied <Location>/<Proxy> paths too
// (src/route/access.ts).
import type { Diagnostic, Loc } from '../../../grammar/ast.js';
import { acceptRow, D, SV } from '../../config/rows.js';
import type { ConfigModel, DirScope, DirectiveDef, ModuleDef, SectionDef, ServerScope, Site } from '../../config/types.js';
import { parseSubnet, type Subnet } from '../../authz/ip.js';
import { unsupportedProviders } from '../../authz/evaluate.js';
import type { AuthzContainer, AuthzDirConf, AuthzNode, AuthzTest } from './types.js';
import type { CoreDirConf } from '../core/types.js';

const MODULE = 'authz_core';

const CONTAINERS: Record<string, { op: 'and' | 'or'; negate: boolean } | undefined> = {
  RequireAll: { op: 'and', negate: false },
  RequireAny: { op: 'or', negate: false },
  RequireNone: { op: 'or', negate: true },
};

/** The status handlers tsproxyd serves itself (SetHandler values, lower-case). */
export const LOCAL_HANDLERS: ReadonlySet<string> = new Set(['server-status', 'balancer-manager']);

/** Providers httpd's standard modules register; the ones tsproxyd evaluates are compiled in `compileTest`. */
const UNSUPPORTED = new Map<string, string>([
  ['host', 'tsproxyd does no DNS lookups'],
  ['forward-dns', 'tsproxyd does no DNS lookups'],
  ['env', 'not evaluated'],
  ['expr', 'not evaluated'],
  ['user', 'tsproxyd does not authenticate'],
  ['valid-user', 'tsproxyd does not authenticate'],
  ['group', 'tsproxyd does not authenticate'],
  ['file-owner', 'tsproxyd serves no files'],
  ['file-group', 'tsproxyd serves no files'],
]);

/** Whether a provider is one tsproxyd cannot evaluate, and why. */
export function unsupportedReason(provider: string): string | undefined {
  return UNSUPPORTED.get(provider);
}

function dirConf(scope: DirScope): AuthzDirConf {
  let c = scope.confs.get(MODULE) as AuthzDirConf | undefined;
  if (c === undefined) scope.confs.set(MODULE, (c = {}));
  return c;
}

/** Containers opened per configuration, to report the empty ones at the end (httpd reports them when closed). */
const opened = new WeakMap<ConfigModel, { name: string; loc: Loc; used: boolean }[]>();

const locKey = (l: Loc) => `${l.file}:${l.line}:${l.col}`;

/** The container a Require in `scope` belongs to, created (and linked into its parent) on first use. */
function containerOf(scope: DirScope, model: ConfigModel): AuthzContainer {
  const conf = dirConf(scope);
  if (conf.node !== undefined) return conf.node;
  const spec = CONTAINERS[scope.section];
  if (spec === undefined) {
    conf.node = { kind: 'container', name: 'section', op: 'or', negate: false, children: [], loc: scope.loc };
    return conf.node;
  }
  const node: AuthzContainer = { kind: 'container', name: scope.section as AuthzContainer['name'], ...spec, children: [], loc: scope.loc };
  conf.node = node;
  const mark = opened.get(model)?.find((o) => locKey(o.loc) === locKey(scope.loc));
  if (mark) mark.used = true;
  if (scope.parent !== undefined) containerOf(scope.parent, model).children.push(node);
  return node;
}

/** The name httpd gives a container in its messages (the section's own is an implicit <RequireAny>). */
const shown = (c: { name: string } | undefined) => `<${c === undefined || c.name === 'section' || CONTAINERS[c.name] === undefined ? 'RequireAny' : c.name}>`;

function compileTest(provider: string, args: readonly string[]): AuthzTest | string {
  switch (provider) {
    case 'all': {
      const v = args.join(' ').toLowerCase();
      if (v !== 'granted' && v !== 'denied') return "Argument for 'Require all' must be 'granted' or 'denied'";
      return { kind: 'all', granted: v === 'granted' };
    }
    case 'ip': {
      if (args.length === 0) return "Require ip requires an argument";
      const subnets: Subnet[] = [];
      for (const a of args) {
        const s = parseSubnet(a);
        if (!s.ok) return s.error;
        subnets.push(s.value);
      }
      return { kind: 'ip', subnets };
    }
    case 'local':
      return { kind: 'local' };
    case 'method': {
      const methods = new Set(args.map((m) => m.toUpperCase()));
      if (methods.has('GET')) methods.add('HEAD'); // httpd's M_GET covers HEAD
      return { kind: 'method', methods };
    }
    default:
      return UNSUPPORTED.has(provider) ? { kind: 'unsupported', provider } : `Unknown Authz provider: ${provider}`;
  }
}

const require: DirectiveDef<unknown, AuthzDirConf> = {
  name: 'Require',
  args: 'RAW_ARGS',
  where: D,
  help: 'specifies authorization directives which one must pass (or not) for a request to suceeed',
  apply(_conf, words, at) {
    const w = words.length > 0 ? words : at.words.map((x) => x.text);
    const negate = w[0]?.toLowerCase() === 'not';
    const provider = (w[negate ? 1 : 0] ?? '').toLowerCase();
    const args = w.slice(negate ? 2 : 1);
    const test = compileTest(provider, args);
    if (typeof test === 'string') return test;
    const container = containerOf(at.dir!, at.model);
    if (negate && container.op === 'or') return `negative Require directive has no effect in ${shown(container)} directive`;
    container.children.push({ kind: 'require', negate, test, text: w.join(' '), loc: at.loc });
  },
};

function containerSection(name: 'RequireAll' | 'RequireAny' | 'RequireNone'): SectionDef {
  return {
    name,
    cls: 'If',
    where: D,
    opens: 'dir',
    noArgs: true,
    noArgsMessage: `<${name}> directive doesn't take additional arguments`,
    help: 'Container for authorization directives grouped under an authz logic type',
    check(_args: readonly string[], at: Site) {
      const parent = at.dir === undefined ? undefined : CONTAINERS[at.dir.section] !== undefined ? { name: at.dir.section } : undefined;
      const parentOp = parent !== undefined ? CONTAINERS[parent.name]!.op : 'or';
      if (CONTAINERS[name]!.negate && parentOp === 'or') return `<${name}> directive has no effect in ${shown(parent)} directive`;
      let list = opened.get(at.model);
      if (list === undefined) opened.set(at.model, (list = []));
      list.push({ name, loc: at.loc, used: false });
      return undefined;
    },
  };
}

/** Every container under a section, depth first. */
function containers(node: AuthzNode): AuthzContainer[] {
  return node.kind === 'container' ? [node, ...node.children.flatMap(containers)] : [];
}

const isNegative = (n: AuthzNode) => n.negate;

/**
 * Whether an earlier plain <Location> whose path is a prefix of this one's has Require rules (they then apply to
 * it, merged as AuthMerging says), so that the section is not open to loopback only by default.
 */
function inheritsRules(dir: DirScope, servers: readonly ServerScope[]): boolean {
  if (dir.section !== 'Location' || dir.args[0] === '~') return false;
  const path = dir.args[0] ?? '';
  for (const server of servers) {
    for (const d of server.dirs) {
      if (d === dir) return false;
      if (d.section !== 'Location' || d.args[0] === '~' || (d.confs.get(MODULE) as AuthzDirConf | undefined)?.node === undefined) continue;
      const p = d.args[0] ?? '';
      if (path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || p === '/') return true;
    }
  }
  return false;
}

function finish(model: ConfigModel, report: (d: Diagnostic) => void): void {
  for (const o of opened.get(model) ?? []) {
    if (!o.used) report({ code: 'TSP_CONF_VALUE', severity: 'error', loc: o.loc, message: `<${o.name}> directive contains no authorization directives` });
  }
  for (const server of [model.main, ...model.vhosts]) {
    for (const dir of server.dirs) {
      const node = (dir.confs.get(MODULE) as AuthzDirConf | undefined)?.node;
      for (const c of node === undefined ? [] : containers(node)) {
        if (c.name !== 'section' && c.children.length > 0 && c.children.every(isNegative)) {
          report({ code: 'TSP_CONF_VALUE', severity: 'error', loc: c.loc, message: `AH01624: <${c.name}> directive contains only negative authorization directives` });
        }
      }
      const handler = (dir.confs.get('core') as CoreDirConf | undefined)?.handler?.toLowerCase();
      const where = `<${dir.section} ${dir.args.join(' ')}>`;
      if (handler !== undefined && LOCAL_HANDLERS.has(handler) && node === undefined && !inheritsRules(dir, server === model.main ? [model.main] : [model.main, server])) {
        report({
          code: 'TSP_STATUS_OPEN',
          severity: 'warning',
          loc: dir.loc,
          message: `SetHandler ${handler} in ${where} has no Require: httpd would show it to every client; tsproxyd shows it to loopback clients only (say who may see it, e.g. 'Require local' or 'Require ip 10.0.0.0/8')`,
        });
      } else if (node !== undefined) {
        for (const p of new Set(unsupportedProviders(node))) {
          report({ code: 'TSP_AUTHZ_UNSUPPORTED', severity: 'warning', loc: dir.loc, message: `Require ${p} in ${where} is not evaluated (${UNSUPPORTED.get(p) ?? 'not evaluated'}): it never grants access, and a rule that depends on it refuses` });
        }
      }
    }
  }
}

export const authzCoreModule: ModuleDef<Record<string, never>, AuthzDirConf> = {
  name: MODULE,
  id: 'authz_core_module',
  source: 'mod_authz_core.c',
  createServer: () => ({}),
  createDir: () => ({}),
  directives: [
    require,
    {
      name: 'AuthMerging',
      args: 'TAKE1',
      where: D,
      help: "controls how a <Directory>, <Location>, or similar directive's authorization directives are combined with those of its predecessor",
      apply(conf, [w]) {
        const v = w!.toLowerCase();
        if (v !== 'off' && v !== 'and' && v !== 'or') return "AuthMerging must be one of: off | and | or";
        conf.dir!.merging = v === 'off' ? 'Off' : v === 'and' ? 'And' : 'Or';
      },
    },
    acceptRow('AuthzSendForbiddenOnFailure', 'FLAG', D, 'Controls if an authorization failure should result in a \'403 FORBIDDEN\' response instead of the HTTP-conforming \'401 UNAUTHORIZED\''),
    acceptRow('AuthzProviderAlias', 'RAW_ARGS', SV, ''),
  ],
  sections: [containerSection('RequireAll'), containerSection('RequireAny'), containerSection('RequireNone')],
  finish,
};

/** mod_authz_host registers the ip, host, forward-dns and local providers; it has no directives of its own. */
export const authzHostModule: ModuleDef<Record<string, never>, undefined> = {
  name: 'authz_host',
  id: 'authz_host_module',
  source: 'mod_authz_host.c',
  createServer: () => ({}),
  createDir: () => undefined,
  directives: [],
};
