// The walk phase (httpd's ap_walk_config + invoke_cmd): every node is looked up in the directive tables, its
// context and argument count are checked here and only here, and its row's apply() fills the typed model.
import type { Diagnostic, DirectiveNode, Loc, Word } from '../../grammar/ast.js';
import { arityError } from './arity.js';
import { isModuleLoaded } from './conditions.js';
import type { PNode, PSection } from './preprocess.js';
import type { Registry } from './registry.js';
import type { ApplyResult, ConfigModel, DirScope, DirectiveDef, ModuleDef, SectionFrame, ServerScope, Site, Where } from './types.js';
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
  new Walker(input).walk(nodes, { server: input.model.main, sections: [], dir: undefined });
}

/** The Site handed to apply(): one small object per directive, its methods shared on the prototype. */
class NodeSite implements Site {
  constructor(
    private readonly walker: Walker,
    private readonly node: DirectiveNode | PSection,
    private readonly frame: Frame,
  ) {}
  get loc(): Loc {
    return this.node.loc;
  }
  get name(): string {
    return this.node.name;
  }
  get words(): readonly Word[] {
    return this.node.args;
  }
  get rawArgs(): string {
    return this.node.rawArgs;
  }
  get sections(): readonly SectionFrame[] {
    return this.frame.sections;
  }
  get server(): ServerScope {
    return this.frame.server;
  }
  get dir(): DirScope | undefined {
    return this.frame.dir;
  }
  get model(): ConfigModel {
    return this.walker.input.model;
  }
  report(severity: Diagnostic['severity'], message: string, word?: Word, code = 'TSP_CONF'): void {
    this.walker.report(severity, message, word?.loc ?? this.node.loc, code);
  }
}

class Walker {
  /** The Include chain of the nodes being walked. */
  private via: readonly Loc[] = [];
  /** Section names as the user wrote them, for httpd's "not allowed in <location> context" wording. */
  private readonly written = new Map<SectionFrame, string>();

  constructor(readonly input: WalkInput) {}

  report(severity: Diagnostic['severity'], message: string, loc: Loc, code: string): void {
    this.input.diagnostics.push({ code, severity, message, loc, via: this.via });
  }

  walk(nodes: readonly PNode[], frame: Frame): void {
    for (const node of nodes) {
      if (node.kind === 'include') {
        const outer = this.via;
        this.via = node.via;
        this.walk(node.children, frame);
        this.via = outer;
      } else if (node.kind === 'section') this.section(node, frame);
      else this.directive(node, frame);
    }
  }

  private innerWritten(frame: Frame): string | undefined {
    const inner = frame.sections[0];
    return inner ? (this.written.get(inner) ?? inner.name) : undefined;
  }

  private section(node: PSection, frame: Frame): void {
    const { registry, loaded } = this.input;
    const hit = registry.section(node.name);
    if (hit === undefined || !isModuleLoaded(hit.module, loaded)) {
      this.report('error', invalidCommand(`<${node.name}`, this.input, hit?.module), node.loc, 'TSP_CONF_UNKNOWN');
      return;
    }
    const def = hit.def;
    const ctxErr = contextError(`<${def.name}`, def.where, def.notIn, frame, this.innerWritten(frame));
    if (ctxErr) {
      this.report('error', ctxErr, node.loc, 'TSP_CONF_CONTEXT');
      return;
    }
    const words = node.args.map((w) => w.text);
    if (def.noArgs) {
      if (words.length > 0) {
        this.report('error', def.noArgsMessage ?? `<${def.name}> does not take an argument`, node.loc, 'TSP_CONF_ARGS');
        return;
      }
    } else if (words.length === 0 || (words.length === 1 && words[0] === '')) {
      this.report('error', `<${def.name}> directive requires additional arguments`, node.loc, 'TSP_CONF_ARGS');
      return;
    }
    const checkErr = def.check?.(words, new NodeSite(this, node, frame));
    if (checkErr) {
      this.report('error', checkErr, node.loc, 'TSP_CONF_ARGS');
      return;
    }
    if (def.tsproxydOnly) this.report('warning', def.tsproxydOnly, node.loc, 'TSP_CONF_TSPROXYD_ONLY');
    let next: Frame;
    if (def.opens === 'vhost') {
      const server = newServerScope(true, words, node.loc);
      this.input.model.vhosts.push(server);
      const sf: SectionFrame = { name: def.name, cls: def.cls, args: node.args, loc: node.loc };
      this.written.set(sf, node.name);
      next = { server, sections: [sf, ...frame.sections], dir: undefined };
    } else {
      const dir: DirScope = { section: def.name, args: words, loc: node.loc, confs: new Map(), parent: frame.dir };
      if (frame.dir === undefined) frame.server.dirs.push(dir);
      const sf: SectionFrame = { name: def.name, cls: def.cls, args: node.args, loc: node.loc, dir };
      this.written.set(sf, node.name);
      next = { server: frame.server, sections: [sf, ...frame.sections], dir };
    }
    this.walk(node.children, next);
  }

  private directive(node: DirectiveNode, frame: Frame): void {
    const hit = this.input.registry.directive(node.name);
    if (hit === undefined || !isModuleLoaded(hit.module, this.input.loaded)) {
      this.report('error', invalidCommand(node.name, this.input, hit?.module), node.loc, 'TSP_CONF_UNKNOWN');
      return;
    }
    const def: DirectiveDef = hit.def;
    const ctxErr = contextError(def.name, def.where, def.notIn, frame, this.innerWritten(frame));
    if (ctxErr) {
      this.report('error', ctxErr, node.loc, 'TSP_CONF_CONTEXT');
      return;
    }
    const args = node.args;
    const words: string[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) words[i] = args[i]!.text;
    const countErr = arityError(def.name, def.args, words.length, def.help);
    if (countErr) {
      this.report('error', countErr, node.loc, 'TSP_CONF_ARGS');
      return;
    }
    if (def.tsproxydOnly) this.report('warning', def.tsproxydOnly, node.loc, 'TSP_CONF_TSPROXYD_ONLY');
    const mod = hit.module;
    const conf = {
      server: serverConfOf(frame.server, mod),
      dir: frame.dir === undefined ? undefined : dirConfOf(frame.dir, mod),
    };
    const site = new NodeSite(this, node, frame);
    let err: ApplyResult;
    if (def.args === 'ITERATE') {
      for (let i = 0; i < words.length && typeof err !== 'string'; i++) err = def.apply(conf, [words[i]!], site);
    } else if (def.args === 'ITERATE2') {
      for (let i = 1; i < words.length && typeof err !== 'string'; i++) err = def.apply(conf, [words[0]!, words[i]!], site);
    } else err = def.apply(conf, words, site);
    if (typeof err === 'string') this.report('error', err, node.loc, 'TSP_CONF_VALUE');
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
