// The walk phase (httpd's ap_walk_config + invoke_cmd): every node is looked up in the directive tables, its
// context and argument count are checked here and only here, and its row's apply() fills the typed model.
import type { Diagnostic, Loc, Word } from '../../grammar/ast.js';
import { arityError } from './arity.js';
import { isModuleLoaded } from './conditions.js';
import type { PNode } from './preprocess.js';
import type { Registry } from './registry.js';
import type { ConfigModel, DirScope, DirectiveDef, ModuleDef, SectionFrame, ServerScope, Site, Where } from './types.js';
import { suggest } from './values.js';

export interface WalkInput {
  readonly registry: Registry;
  readonly loaded: ReadonlySet<ModuleDef>;
  readonly model: ConfigModel;
  readonly diagnostics: Diagnostic[];
}

interface Frame {
  readonly server: ServerScope;
  readonly sections: readonly SectionFrame[]; // innermost first
  readonly dir: DirScope | undefined;
}

export function newServerScope(isVirtual: boolean, addrs: readonly string[], loc: Loc): ServerScope {
  return { isVirtual, addrs, loc, confs: new Map(), dirs: [] };
}

function whereOf(frame: Frame): Where {
  const inner = frame.sections[0];
  if (inner === undefined) return 'server';
  return inner.cls === 'VirtualHost' ? 'vhost' : 'dir';
}

/** httpd's wording for a directive standing where its table row does not allow it, or undefined. */
function contextError(
  display: string, // 'ProxyPass' or '<Location'
  where: readonly Where[],
  notIn: readonly string[] | undefined,
  frame: Frame,
  writtenSection: string | undefined,
): string | undefined {
  const here = whereOf(frame);
  const gt = display.startsWith('<') ? '>' : '';
  if (here === 'dir' && !where.includes('dir')) return `${display} not allowed in <${writtenSection}> context`;
  if (here !== 'dir' && !where.includes('server') && !where.includes('vhost')) {
    return here === 'server' ? `${display} not allowed here` : `${display} not allowed in <${writtenSection}> context`;
  }
  if (here === 'vhost' && !where.includes('vhost')) return `${display}${gt} cannot occur within <VirtualHost> section`;
  if (notIn) {
    for (const s of frame.sections) {
      if (notIn.includes(s.cls)) return `${display}${gt} cannot occur within <${s.name}> section`;
    }
  }
  return undefined;
}

export function walkConfig(nodes: readonly PNode[], input: WalkInput): void {
  const { model } = input;
  walkNodes(nodes, { server: model.main, sections: [], dir: undefined }, input, new Map());
}

function walkNodes(nodes: readonly PNode[], frame: Frame, input: WalkInput, written: Map<SectionFrame, string>): void {
  for (const node of nodes) {
    const report = (severity: Diagnostic['severity'], message: string, loc: Loc = node.loc, code = 'TSP_CONF') =>
      input.diagnostics.push({ code, severity, message, loc, via: node.via });
    const site: Site = {
      loc: node.loc,
      name: node.name,
      words: node.args,
      rawArgs: node.rawArgs,
      sections: frame.sections,
      server: frame.server,
      dir: frame.dir,
      model: input.model,
      report: (severity, message, word?: Word, code?: string) => report(severity, message, word?.loc ?? node.loc, code),
    };
    const inner = frame.sections[0];
    const innerWritten = inner ? (written.get(inner) ?? inner.name) : undefined;

    if (node.kind === 'section') {
      const hit = input.registry.section(node.name);
      if (hit === undefined || !isModuleLoaded(hit.module, input.loaded)) {
        report('error', invalidCommand(`<${node.name}`, input, hit?.module), node.loc, 'TSP_CONF_UNKNOWN');
        continue;
      }
      const def = hit.def;
      const ctxErr = contextError(`<${def.name}`, def.where, def.notIn, frame, innerWritten);
      if (ctxErr) {
        report('error', ctxErr, node.loc, 'TSP_CONF_CONTEXT');
        continue;
      }
      const words = node.args.map((w) => w.text);
      if (def.noArgs) {
        if (words.length > 0) {
          report('error', `<${def.name}> does not take an argument`, node.loc, 'TSP_CONF_ARGS');
          continue;
        }
      } else if (words.length === 0 || (words.length === 1 && words[0] === '')) {
        report('error', `<${def.name}> directive requires additional arguments`, node.loc, 'TSP_CONF_ARGS');
        continue;
      }
      const checkErr = def.check?.(words, site);
      if (checkErr) {
        report('error', checkErr, node.loc, 'TSP_CONF_ARGS');
        continue;
      }
      if (def.tsproxydOnly) report('warning', def.tsproxydOnly, node.loc, 'TSP_CONF_TSPROXYD_ONLY');
      let next: Frame;
      if (def.opens === 'vhost') {
        const server = newServerScope(true, words, node.loc);
        input.model.vhosts.push(server);
        const sf: SectionFrame = { name: def.name, cls: def.cls, args: node.args, loc: node.loc };
        written.set(sf, node.name);
        next = { server, sections: [sf, ...frame.sections], dir: undefined };
      } else {
        const dir: DirScope = { section: def.name, args: words, loc: node.loc, confs: new Map(), parent: frame.dir };
        if (frame.dir === undefined) frame.server.dirs.push(dir);
        const sf: SectionFrame = { name: def.name, cls: def.cls, args: node.args, loc: node.loc, dir };
        written.set(sf, node.name);
        next = { server: frame.server, sections: [sf, ...frame.sections], dir };
      }
      walkNodes(node.children, next, input, written);
      continue;
    }

    const hit = input.registry.directive(node.name);
    if (hit === undefined || !isModuleLoaded(hit.module, input.loaded)) {
      report('error', invalidCommand(node.name, input, hit?.module), node.loc, 'TSP_CONF_UNKNOWN');
      continue;
    }
    const def: DirectiveDef = hit.def;
    const ctxErr = contextError(def.name, def.where, def.notIn, frame, innerWritten);
    if (ctxErr) {
      report('error', ctxErr, node.loc, 'TSP_CONF_CONTEXT');
      continue;
    }
    const words = node.args.map((w) => w.text);
    const countErr = arityError(def.name, def.args, words.length, def.help);
    if (countErr) {
      report('error', countErr, node.loc, 'TSP_CONF_ARGS');
      continue;
    }
    if (def.tsproxydOnly) report('warning', def.tsproxydOnly, node.loc, 'TSP_CONF_TSPROXYD_ONLY');
    const mod = hit.module;
    const conf = {
      server: serverConfOf(frame.server, mod),
      dir: frame.dir === undefined ? undefined : dirConfOf(frame.dir, mod),
    };
    const calls: string[][] =
      def.args === 'ITERATE'
        ? words.map((w) => [w])
        : def.args === 'ITERATE2'
          ? words.slice(1).map((w) => [words[0]!, w])
          : [words];
    for (const args of calls) {
      const err = def.apply(conf, args, site);
      if (typeof err === 'string') {
        report('error', err, node.loc, 'TSP_CONF_VALUE');
        break;
      }
    }
  }
}

function serverConfOf(scope: ServerScope, mod: ModuleDef): unknown {
  let c = scope.confs.get(mod.name);
  if (c === undefined) scope.confs.set(mod.name, (c = mod.createServer()));
  return c;
}

function dirConfOf(scope: DirScope, mod: ModuleDef): unknown {
  let c = scope.confs.get(mod.name);
  if (c === undefined) scope.confs.set(mod.name, (c = mod.createDir()));
  return c;
}

function invalidCommand(name: string, input: WalkInput, notLoaded: ModuleDef | undefined): string {
  const base = `Invalid command '${name}', perhaps misspelled or defined by a module not included in the server configuration`;
  if (notLoaded) return `${base} (it belongs to ${notLoaded.source}: add 'LoadModule ${notLoaded.id} …')`;
  const near = suggest(name, input.registry.names);
  return near ? `${base} (did you mean '${near}'?)` : base;
}
