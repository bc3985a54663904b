// The read phase of httpd's config (ap_build_config): what runs while files are read, before any directive is
// applied. Include/IncludeOptional are spliced in, Define/UnDefine and ${VAR} are applied line by line,
// <IfDefine>/<IfModule>/<IfFile>/<IfDirective>/<IfSection>/<IfVersion> keep or drop their bodies (a dropped body is
// not checked, as in httpd), and LoadModule/LoadFile/ServerRoot take effect. What comes out is one tree of located
// nodes for the walk phase (apply.ts).
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Diagnostic, DirectiveNode, Loc, SectionNode, SyntaxNode, Word } from '../../grammar/ast.js';
import { parseConf, splitWords } from '../../grammar/parse.js';
import { expandVars } from './expand-vars.js';
import { resolveInclude } from './include-paths.js';
import { evaluateCondition, isConditionalSection } from './conditions.js';
import type { Registry } from './registry.js';
import type { ModuleDef } from './types.js';

/**
 * A node after the read phase. Directives are the parser's own objects (copied only when ${VAR} changed their
 * words); the nodes of an included file come wrapped in one `include` group that carries the Include chain, so
 * no node is copied just to know where it came from.
 */
export type PNode = DirectiveNode | PSection | IncludeGroup;
export type PSection = Omit<SectionNode, 'children'> & { readonly children: readonly PNode[] };
export interface IncludeGroup {
  readonly kind: 'include';
  /** The chain of Include lines that led to these nodes' file, outermost first. */
  readonly via: readonly Loc[];
  readonly children: readonly PNode[];
}

export interface ReadState {
  readonly registry: Registry;
  readonly defines: Map<string, string | undefined>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly loaded: Set<ModuleDef>;
  serverRoot: string;
  readonly files: string[];
  readonly diagnostics: Diagnostic[];
  /** Source text of every file read, for caret display. */
  readonly sources: Map<string, string>;
}

export interface ReadInput {
  readonly text?: string; // when given, used instead of reading `file`
  readonly file: string;
}

const MAX_INCLUDE_DEPTH = 128; // httpd's AP_MAX_INCLUDE_DEPTH

function fail(st: ReadState, code: string, message: string, loc: Loc, via: readonly Loc[], severity: 'error' | 'warning' = 'error') {
  st.diagnostics.push({ code, severity, message, loc, via });
}

/** Reads and preprocesses one file; returns its nodes (or [] when it could not be read). */
export function readFile(st: ReadState, input: ReadInput, via: readonly Loc[]): PNode[] {
  let text = input.text;
  if (text === undefined) {
    try {
      text = readFileSync(input.file, 'latin1');
    } catch (e) {
      const at = via[via.length - 1] ?? { file: input.file, line: 0, col: 0 };
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
      fail(st, 'TSP_CONF_OPEN', `Could not open configuration file ${input.file}: ${reason}`, at, via.slice(0, -1));
      return [];
    }
  }
  st.files.push(input.file);
  st.sources.set(input.file, text);
  const parsed = parseConf(text, input.file);
  const syntax: (Diagnostic | undefined)[] = parsed.diagnostics.map((d) => ({ ...d, via }));
  const nodes = walk(st, parsed.nodes, via, [], syntax);
  for (const d of syntax) if (d !== undefined) st.diagnostics.push(d);
  return via.length === 0 ? nodes : [{ kind: 'include', via, children: nodes }];
}

/** What httpd's ap_soak_end_container notices while it skips a false conditional: section nesting only. */
const SEEN_WHILE_SKIPPING = new Set(['TSP_SYNTAX_UNCLOSED', 'TSP_SYNTAX_MISMATCHED_CLOSE', 'TSP_SYNTAX_UNMATCHED_CLOSE']);

/**
 * httpd skips a false conditional section without parsing it: a nesting error inside it is reported at the
 * conditional's own line, and nothing else in it (quotes, missing '>', trailing text) is noticed at all.
 */
function relocateSkipped(syntax: (Diagnostic | undefined)[], section: SectionNode): void {
  const last = section.endLoc?.line ?? Number.MAX_SAFE_INTEGER;
  syntax.forEach((d, i) => {
    if (d === undefined || d.loc.file !== section.loc.file || d.loc.line <= section.loc.line || d.loc.line > last) return;
    syntax[i] = SEEN_WHILE_SKIPPING.has(d.code) ? { ...d, loc: section.loc } : undefined;
  });
}

/**
 * httpd reads the close of a true conditional as a directive of its own, so `</IfModule> x` is an error there
 * (for other sections, and false conditionals, the text is ignored and the grammar's warning stands).
 */
function trailingAfterTrueConditional(syntax: (Diagnostic | undefined)[], section: SectionNode, via: readonly Loc[]): void {
  const at = section.endTrailing!;
  const i = syntax.findIndex((d) => d?.code === 'TSP_SYNTAX_TRAILING_TEXT' && d.loc.line === at.line && d.loc.col === at.col && d.loc.file === at.file);
  const error: Diagnostic = {
    code: 'TSP_SYNTAX_CLOSE_TRAILING_TEXT',
    severity: 'error',
    message: `</${section.name}> without matching <${section.name}> section (text after the close of a true <${section.name}> is an error in httpd)`,
    loc: section.endLoc!,
    via,
  };
  if (i >= 0) syntax[i] = error;
  else syntax.push(error);
}

function expandWords(st: ReadState, node: { rawArgs: string; args: readonly Word[]; loc: Loc }, via: readonly Loc[]): {
  args: readonly Word[];
  rawArgs: string;
} {
  if (!node.rawArgs.includes('${')) return node;
  const ex = expandVars(node.rawArgs, st.defines, st.env);
  for (const name of ex.undefinedNames) {
    fail(st, 'AH00111', `Config variable \${${name}} is not defined`, node.loc, via, 'warning');
  }
  if (ex.text === node.rawArgs) return node;
  const at = node.args[0]?.loc ?? node.loc;
  return { args: splitWords(ex.text, at), rawArgs: ex.text };
}

function walk(
  st: ReadState,
  nodes: readonly SyntaxNode[],
  via: readonly Loc[],
  sections: readonly string[],
  syntax: (Diagnostic | undefined)[],
): PNode[] {
  const out: PNode[] = [];
  for (const raw of nodes) {
    const { args, rawArgs } = expandWords(st, raw, via);
    if (raw.kind === 'section') {
      if (isConditionalSection(raw.name)) {
        const verdict = evaluateCondition(raw.name, args.map((w) => w.text), st);
        if (typeof verdict === 'string') {
          fail(st, 'TSP_CONF_CONDITION', verdict, raw.loc, via);
          continue;
        }
        if (verdict) {
          for (const n of walk(st, raw.children, via, sections, syntax)) out.push(n);
          if (raw.endTrailing && raw.endLoc) trailingAfterTrueConditional(syntax, raw, via);
        } else relocateSkipped(syntax, raw);
        continue;
      }
      out.push({ ...raw, args, rawArgs, children: walk(st, raw.children, via, [...sections, raw.name], syntax) });
      continue;
    }
    const node = args === raw.args ? raw : { ...raw, args, rawArgs };
    const handled = READ_PHASE.has(node.name.length) ? readPhaseDirective(st, node, via, sections) : undefined;
    if (handled === undefined) out.push(node);
    else for (const n of handled) out.push(n);
  }
  return out;
}

/** Lengths of the read-phase directive names below: a cheap filter before lower-casing every name. */
const READ_PHASE = new Set(['include', 'includeoptional', 'define', 'undefine', 'loadmodule', 'loadfile', 'serverroot'].map((n) => n.length));

/** Directives httpd runs while reading (EXEC_ON_READ). Returns the nodes to splice in, or undefined to keep `node`. */
function readPhaseDirective(
  st: ReadState,
  node: DirectiveNode,
  via: readonly Loc[],
  sections: readonly string[],
): PNode[] | undefined {
  const name = node.name.toLowerCase();
  const words = node.args.map((w) => w.text);
  switch (name) {
    case 'include':
    case 'includeoptional': {
      if (words.length !== 1) {
        fail(st, 'TSP_CONF_ARGS', `${node.name} takes one argument, Name(s) of the config file(s) to be included; fails if the wildcard does not match at least one file`, node.loc, via);
        return [];
      }
      return include(st, node, words[0]!, name === 'includeoptional', via);
    }
    case 'define': {
      if (words.length < 1 || words.length > 2) {
        fail(st, 'TSP_CONF_ARGS', 'Define takes 1-2 arguments, Define a variable, optionally to a value.  Same as passing -D to the command line.', node.loc, via);
      } else if (words[0]!.includes(':')) {
        fail(st, 'TSP_CONF_ARGS', "Variable name must not contain ':'", node.loc, via);
      } else st.defines.set(words[0]!, words[1]);
      return [];
    }
    case 'undefine': {
      if (words.length !== 1) fail(st, 'TSP_CONF_ARGS', 'UnDefine takes one argument, Undefine the existence of a variable. Undo a Define.', node.loc, via);
      else st.defines.delete(words[0]!);
      return [];
    }
    case 'loadmodule': {
      if (words.length !== 2) {
        fail(st, 'TSP_CONF_ARGS', 'LoadModule takes two arguments, a module name and the name of a shared object file to load it from', node.loc, via);
        return [];
      }
      if (sections.length > 0) {
        fail(st, 'TSP_CONF_CONTEXT', `LoadModule cannot occur within <${sections[sections.length - 1]}> section`, node.loc, via);
        return [];
      }
      const mod = st.registry.moduleExact(words[0]!);
      if (mod === undefined || mod.id !== words[0]) {
        if (st.registry.otherHttpdModules.has(words[0]!)) {
          fail(
            st,
            'TSP_CONF_MODULE_UNIMPLEMENTED',
            `LoadModule: tsproxyd does not implement ${words[0]}; the line is accepted, and the module's directives are unknown (as in httpd without it)`,
            node.args[0]!.loc,
            via,
            'warning',
          );
        } else {
          fail(
            st,
            'TSP_CONF_MODULE',
            `LoadModule: '${words[0]}' is not an httpd 2.4 module tsproxyd knows (${words[1]}); tsproxyd cannot load .so files: remove the line, or keep it inside <IfModule> for httpd only`,
            node.args[0]!.loc,
            via,
          );
        }
      } else if (st.loaded.has(mod) && mod.builtin === false) {
        fail(st, 'AH01574', `module ${mod.id} is already loaded, skipping`, node.loc, via, 'warning');
      } else st.loaded.add(mod);
      return [];
    }
    case 'loadfile':
      if (words.length < 1) fail(st, 'TSP_CONF_ARGS', 'LoadFile requires at least one argument, shared object file or library to load into the server at runtime', node.loc, via);
      return [];
    case 'serverroot': {
      if (words.length !== 1) {
        fail(st, 'TSP_CONF_ARGS', 'ServerRoot takes one argument, Common directory of server-related files (logs, confs, etc.)', node.loc, via);
        return [];
      }
      if (sections.length > 0) {
        fail(st, 'TSP_CONF_CONTEXT', `ServerRoot cannot occur within <${sections[sections.length - 1]}> section`, node.loc, via);
        return [];
      }
      const dir = isAbsolute(words[0]!) ? words[0]! : resolve(st.serverRoot, words[0]!);
      let isDir = false;
      try {
        isDir = statSync(dir).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) fail(st, 'TSP_CONF_SERVERROOT', 'ServerRoot must be a valid directory', node.loc, via);
      else st.serverRoot = dir;
      return [];
    }
    default:
      return undefined;
  }
}

function include(st: ReadState, node: DirectiveNode, arg: string, optional: boolean, via: readonly Loc[]): PNode[] {
  const found = resolveInclude(arg, st.serverRoot, optional);
  if (!found.ok) {
    fail(st, 'TSP_CONF_INCLUDE', found.error, node.loc, via);
    return [];
  }
  const chain = [...via, node.loc];
  const out: PNode[] = [];
  for (const file of found.files) {
    // The files being read right now are exactly those of the Include lines on the chain.
    if (chain.some((l) => l.file === file) || chain.length > MAX_INCLUDE_DEPTH) {
      const path = chain.map((l) => `${l.file}:${l.line}`).join(' -> ');
      fail(
        st,
        'TSP_CONF_INCLUDE_CYCLE',
        `Include cycle: ${file} is already being read (${path}); httpd would recurse until "Exceeded maximum include depth of ${MAX_INCLUDE_DEPTH}"`,
        node.loc,
        via,
      );
      continue;
    }
    out.push(...readFile(st, { file }, chain));
  }
  return out;
}
