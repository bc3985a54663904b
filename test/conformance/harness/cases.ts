// The case table for config checks: test/conformance/check-cases/.
//
//   NAME.conf        one-file case; it is written to the ServerRoot as NAME.conf and checked with -f.
//   NAME/            multi-file case; its whole tree is written to the ServerRoot root, main.conf is checked.
//   _X               shared file, written to every ServerRoot as X (e.g. _modules.conf -> modules.conf).
//
// Metadata lives in the leading comment block of the checked file (before the first directive):
//   # expect: ok|error                    what `apache2 -t` says (asserted, so the table cannot rot)
//   # args: -D NAME [-D NAME]...          extra command-line arguments, given to both servers
//   # env: NAME=value                     environment variable for both (repeatable; placeholders allowed)
//   # tsproxyd-diverges: ok|error -- why  tsproxyd deliberately disagrees with httpd (reported in the output)
//   # tsproxyd-line: N -- why             same verdict, but tsproxyd's first error is deliberately at line N
// Every other comment line in that block is the case's description.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Verdict } from './outcome.js';
import type { TemplateFile } from './server-root.js';

export interface Divergence {
  readonly verdict: Verdict;
  readonly reason: string;
}

export interface CaseMeta {
  readonly expect: Verdict;
  readonly args: readonly string[];
  /** Values may contain placeholders; render them with the case's ServerRoot. */
  readonly env: Readonly<Record<string, string>>;
  readonly diverges?: Divergence;
  /** tsproxyd reports its first error on this line of the same file, deliberately not httpd's. */
  readonly line?: { readonly line: number; readonly reason: string };
  readonly description: string;
}

export interface CheckCase {
  readonly name: string;
  /** Absolute path of the case file or directory in the source tree. */
  readonly source: string;
  /** Path, inside the ServerRoot, of the file given to -f. */
  readonly main: string;
  /** The case's own files plus the shared ones. */
  readonly files: readonly TemplateFile[];
  readonly meta: CaseMeta;
}

const META = /^#\s*(expect|args|env|tsproxyd-diverges|tsproxyd-line)\s*:\s*(.*?)\s*$/i;

export function parseCaseMeta(text: string, source: string): CaseMeta {
  let expect: Verdict | undefined;
  let args: string[] = [];
  const env: Record<string, string> = {};
  let diverges: Divergence | undefined;
  let lineDivergence: CaseMeta['line'];
  const description: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('#')) break;
    const m = META.exec(trimmed);
    if (!m) {
      description.push(trimmed.replace(/^#+\s?/, ''));
      continue;
    }
    const key = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (key === 'expect') {
      if (value !== 'ok' && value !== 'error') throw new Error(`${source}: "# expect:" must be ok or error, not "${value}"`);
      expect = value;
    } else if (key === 'args') {
      args = value.split(/\s+/).filter((w) => w !== '');
      for (let i = 0; i < args.length; i += 2) {
        if (args[i] !== '-D' || !/^[A-Za-z_]\w*$/.test(args[i + 1] ?? '')) {
          throw new Error(`${source}: "# args:" may only hold "-D NAME" pairs, got "${value}"`);
        }
      }
    } else if (key === 'env') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new Error(`${source}: "# env:" must be NAME=value, got "${value}"`);
      env[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (key === 'tsproxyd-line') {
      const l = /^(\d+)\s+--\s+(\S.*)$/.exec(value);
      if (!l) throw new Error(`${source}: "# tsproxyd-line:" must be "N -- reason", got "${value}"`);
      lineDivergence = { line: Number(l[1]), reason: l[2] as string };
    } else {
      const d = /^(ok|error)\s+--\s+(\S.*)$/.exec(value);
      if (!d) throw new Error(`${source}: "# tsproxyd-diverges:" must be "ok -- reason" or "error -- reason", got "${value}"`);
      diverges = { verdict: d[1] as Verdict, reason: d[2] as string };
    }
  }
  if (expect === undefined) throw new Error(`${source}: missing "# expect: ok|error" in the leading comment block`);
  if (diverges && diverges.verdict === expect) {
    throw new Error(`${source}: "# tsproxyd-diverges: ${diverges.verdict}" equals "# expect: ${expect}"; that is not a divergence`);
  }
  return { expect, args, env, ...(diverges ? { diverges } : {}), ...(lineDivergence ? { line: lineDivergence } : {}), description: description.join(' ') };
}

export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

export const toPosix = (p: string): string => p.split(sep).join('/');

/** The files named `_X` in a case folder: written to every case's ServerRoot as `X`. */
export async function sharedTemplates(dir: string, entries: readonly string[]): Promise<TemplateFile[]> {
  const shared: TemplateFile[] = [];
  for (const name of entries.filter((e) => e.startsWith('_'))) {
    const source = join(dir, name);
    if ((await stat(source)).isFile()) shared.push({ path: name.slice(1), template: await readFile(source, 'utf8'), source });
  }
  return shared;
}

export async function loadCheckCases(dir: string): Promise<CheckCase[]> {
  const entries = (await readdir(dir)).sort();
  const shared = await sharedTemplates(dir, entries);
  const cases: CheckCase[] = [];
  for (const name of entries) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    const source = join(dir, name);
    if ((await stat(source)).isDirectory()) {
      const own: TemplateFile[] = [];
      for (const file of await filesUnder(source)) {
        own.push({ path: toPosix(relative(source, file)), template: await readFile(file, 'utf8'), source: file });
      }
      const main = own.find((f) => f.path === 'main.conf');
      if (!main) throw new Error(`${source}: a directory case needs a main.conf`);
      cases.push({ name, source, main: 'main.conf', files: [...shared, ...own], meta: parseCaseMeta(main.template, main.source) });
    } else if (name.endsWith('.conf')) {
      const template = await readFile(source, 'utf8');
      cases.push({
        name: name.slice(0, -'.conf'.length),
        source,
        main: name,
        files: [...shared, { path: name, template, source }],
        meta: parseCaseMeta(template, source),
      });
    }
  }
  return cases;
}
