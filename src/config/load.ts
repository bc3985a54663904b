// loadConfig: the one entry point from a config file to a typed model plus every diagnostic, in httpd's order
// (read-phase problems first, then directive problems in file order). Never throws for user errors.
import { dirname, resolve } from 'node:path';
import type { Diagnostic, Loc } from '../../grammar/ast.js';
import { HTTPD_STANDARD_MODULES } from '../modules/compat/httpd-modules.js';
import { MODULES } from '../modules/index.js';
import { newServerScope, walkConfig } from './apply.js';
import { readFile, type ReadState } from './preprocess.js';
import { buildRegistry, type Registry } from './registry.js';
import type { ConfigModel, ModuleDef } from './types.js';

export interface LoadOptions {
  readonly file: string;
  /** Use this text instead of reading `file` (tests, fuzzing). */
  readonly text?: string;
  /** -D NAME on the command line. */
  readonly defines?: readonly string[];
  /** Where relative paths resolve before a ServerRoot directive; default: the config file's directory. */
  readonly serverRoot?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadResult {
  readonly model: ConfigModel;
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: number;
  /** Text of every file read, for showing the offending line. */
  readonly sources: ReadonlyMap<string, string>;
  readonly registry: Registry;
}

let sharedRegistry: Registry | undefined;
export function registry(): Registry {
  return (sharedRegistry ??= buildRegistry(MODULES, HTTPD_STANDARD_MODULES));
}

/** Reading order of a diagnostic: the include chain, then its own position. */
function orderKey(d: Diagnostic): number[] {
  const key: number[] = [];
  for (const l of [...(d.via ?? []), d.loc] as Loc[]) key.push(l.line, l.col);
  return key;
}

function byReadingOrder(a: Diagnostic, b: Diagnostic): number {
  const ka = orderKey(a);
  const kb = orderKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  }
  return ka.length - kb.length;
}

export function loadConfig(opts: LoadOptions): LoadResult {
  const reg = registry();
  const file = resolve(opts.file);
  const st: ReadState = {
    registry: reg,
    defines: new Map((opts.defines ?? []).map((d) => [d, undefined])),
    env: opts.env ?? process.env,
    loaded: new Set<ModuleDef>(),
    serverRoot: opts.serverRoot ?? dirname(file),
    files: [],
    diagnostics: [],
    sources: new Map(),
  };
  const nodes = readFile(st, opts.text === undefined ? { file } : { file, text: opts.text }, []);
  // httpd reports a missing '>' on an opening tag when it applies the section (walk phase), not while reading.
  const walkTimeSyntax = (d: Diagnostic) => d.code === 'TSP_SYNTAX_OPEN_MISSING_GT';
  const readPhase = st.diagnostics.filter((d) => !walkTimeSyntax(d)).sort(byReadingOrder);

  const model: ConfigModel = {
    main: newServerScope(false, [], { file, line: 1, col: 1 }),
    vhosts: [],
    files: st.files,
    defines: st.defines,
    serverRoot: st.serverRoot,
  };
  const walkPhase: Diagnostic[] = [];
  walkConfig(nodes, { registry: reg, loaded: st.loaded, model, diagnostics: walkPhase });
  walkPhase.push(...st.diagnostics.filter(walkTimeSyntax));
  walkPhase.sort(byReadingOrder);
  const finish: Diagnostic[] = [];
  for (const mod of reg.modules) mod.finish?.(model, (d) => finish.push(d));

  const diagnostics = [...readPhase, ...walkPhase, ...finish];
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { model, diagnostics, errors, sources: st.sources, registry: reg };
}
