// The read-phase conditional sections: <IfDefine>, <IfModule>, <IfFile>, <IfDirective>, <IfSection>, <IfVersion>.
// A false section's body is dropped unread, as httpd's ap_soak_end_container does.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Registry } from './registry.js';
import type { ModuleDef } from './types.js';

/** The httpd release whose behaviour tsproxyd follows (what <IfVersion> compares against). */
export const EMULATED_HTTPD_VERSION = [2, 4, 71] as const;

interface ConditionState {
  readonly registry: Registry;
  readonly defines: ReadonlyMap<string, string | undefined>;
  readonly loaded: ReadonlySet<ModuleDef>;
  readonly serverRoot: string;
}

type Test = (arg: string, st: ConditionState) => boolean;

export function isModuleLoaded(mod: ModuleDef | undefined, loaded: ReadonlySet<ModuleDef>): boolean {
  return mod !== undefined && (mod.builtin !== false || loaded.has(mod));
}

const TESTS: Record<string, Test> = {
  ifdefine: (arg, st) => st.defines.has(arg),
  ifmodule: (arg, st) => isModuleLoaded(st.registry.moduleExact(arg), st.loaded),
  iffile: (arg, st) => existsSync(isAbsolute(arg) ? arg : resolve(st.serverRoot, arg)),
  ifdirective: (arg, st) => {
    const hit = st.registry.directive(arg);
    return hit !== undefined && isModuleLoaded(hit.module, st.loaded);
  },
  ifsection: (arg, st) => {
    const hit = st.registry.section(arg);
    return hit !== undefined && isModuleLoaded(hit.module, st.loaded);
  },
};

export function isConditionalSection(name: string): boolean {
  const n = name.toLowerCase();
  return n in TESTS || n === 'ifversion';
}

/** true/false, or an error message in httpd's words. */
export function evaluateCondition(name: string, args: readonly string[], st: ConditionState): boolean | string {
  const n = name.toLowerCase();
  if (n === 'ifversion') return ifVersion(args);
  if (args.length === 0 || args[0] === '' || args[0] === '!') return `<${name}> directive requires additional arguments`;
  if (args.length > 1) return `<${name}> takes one argument`;
  let arg = args[0]!;
  const negate = arg.startsWith('!');
  if (negate) arg = arg.slice(1);
  return TESTS[n]!(arg, st) !== negate;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function ifVersion(args: readonly string[]): boolean | string {
  if (args.length === 0) return '<IfVersion> directive requires additional arguments';
  let [op, ver] = args.length === 1 ? ['=', args[0]!] : [args[0]!, args[1]!];
  const negate = op.startsWith('!');
  if (negate) op = op.slice(1);
  const mine = EMULATED_HTTPD_VERSION.join('.');
  let result: boolean;
  if (op === '~' || (ver.startsWith('/') && ver.endsWith('/') && ver.length > 1)) {
    const source = op === '~' ? ver : ver.slice(1, -1);
    try {
      result = new RegExp(source).test(mine);
    } catch {
      return `<IfVersion>: cannot compile regular expression '${source}'`;
    }
  } else {
    const want = ver.split('.').map((x) => Number(x));
    if (want.some((x) => !Number.isInteger(x))) return `<IfVersion>: unrecognized version '${ver}'`;
    const c = compare(EMULATED_HTTPD_VERSION, want);
    const byOp: Record<string, boolean> = { '=': c === 0, '==': c === 0, '>': c > 0, '>=': c >= 0, '<': c < 0, '<=': c <= 0 };
    if (!(op in byOp)) return `<IfVersion>: unknown operator '${op}'`;
    result = byOp[op]!;
  }
  return result !== negate;
}
