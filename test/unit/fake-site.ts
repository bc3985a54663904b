// A Site for calling a directive row's apply() directly: report() records what it is told.
import type { Loc, Word } from '../../grammar/ast.js';
import type { ConfigModel, DirScope, ModuleDef, SectionClass, SectionFrame, ServerScope, Site } from '../../src/config/types.js';

export interface Recorded {
  readonly severity: 'error' | 'warning' | 'notice';
  readonly message: string;
  readonly word?: string;
}

export interface FakeSite extends Site {
  readonly reports: Recorded[];
}

export interface FakeOptions {
  /** Innermost section first, e.g. [['Location', 'Location']] or [['VirtualHost', 'VirtualHost']]. */
  readonly sections?: readonly (readonly [name: string, cls: SectionClass])[];
  readonly serverRoot?: string;
  readonly name?: string;
  /** Shares one model (and main server) between calls, so finish() hooks can see them. */
  readonly model?: ConfigModel;
  /** The raw argument text for RAW_ARGS directives (default: the words joined by spaces). */
  readonly raw?: string;
}

const loc = (col = 1): Loc => ({ file: '/tmp/test.conf', line: 1, col });

export function newServer(isVirtual = false): ServerScope {
  return { isVirtual, addrs: [], loc: loc(), confs: new Map(), dirs: [] };
}

export function newModel(serverRoot = '/tmp'): ConfigModel {
  return { main: newServer(), vhosts: [], files: ['/tmp/test.conf'], defines: new Map(), serverRoot };
}

export function fakeSite(words: readonly string[], opts: FakeOptions = {}): FakeSite {
  const model = opts.model ?? newModel(opts.serverRoot);
  let col = 1;
  const ws: Word[] = words.map((text) => {
    const w = { text, loc: loc(col) };
    col += text.length + 1;
    return w;
  });
  const sections: SectionFrame[] = (opts.sections ?? []).map(([name, cls]) => {
    const dir: DirScope | undefined =
      cls === 'VirtualHost' ? undefined : { section: name, args: ['/'], loc: loc(), confs: new Map(), parent: undefined };
    return { name, cls, args: [], loc: loc(), dir };
  });
  const reports: Recorded[] = [];
  return {
    loc: loc(),
    name: opts.name ?? 'Directive',
    words: ws,
    rawArgs: opts.raw ?? words.join(' '),
    sections,
    server: sections.some((s) => s.cls === 'VirtualHost') ? newServer(true) : model.main,
    dir: sections[0]?.dir,
    model,
    reports,
    report(severity, message, word) {
      reports.push(word ? { severity, message, word: word.text } : { severity, message });
    },
  };
}

export interface RunResult<S, D> {
  readonly error: string | undefined;
  readonly reports: Recorded[];
  readonly conf: { server: S; dir: D | undefined };
}

/**
 * Calls the row `name` of `mod` the way the walker does (ITERATE: once per word; stops at the first error).
 * Pass `conf` to keep state across calls; `opts.sections` with a non-VirtualHost class gives a per-directory conf.
 */
export function run<S, D>(
  mod: ModuleDef<S, D>,
  name: string,
  words: readonly string[],
  opts: FakeOptions = {},
  conf?: { server: S; dir: D | undefined },
): RunResult<S, D> {
  const def = mod.directives.find((d) => d.name.toLowerCase() === name.toLowerCase());
  if (def === undefined) throw new Error(`no directive ${name} in ${mod.name}`);
  const site = fakeSite(words, { name: def.name, ...opts });
  const c = conf ?? { server: mod.createServer(), dir: site.dir === undefined ? undefined : mod.createDir() };
  const calls = def.args === 'ITERATE' ? words.map((w) => [w]) : [words];
  let error: string | undefined;
  for (const args of calls) {
    const r = def.apply(c, args, site);
    if (typeof r === 'string') {
      error = r;
      break;
    }
  }
  return { error, reports: site.reports, conf: c };
}
