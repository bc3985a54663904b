// The command line: argv, exit codes, stdout/stderr (run by main.ts, the process's entry).
import { readFileSync } from 'node:fs';
import { loadConfig, type LoadResult } from '../config/load.js';
import type { CoreServerConf } from '../modules/core/types.js';
import { serverRootRelative } from '../modules/shared/files.js';
import { control } from './control.js';
import { serve } from './serve.js';
import { servePrimary, workerCount } from './workers.js';
import cluster from 'node:cluster';
import { compilePlan } from '../route/compile.js';
import { route } from '../route/route.js';
import type { RequestFacts } from '../route/types.js';
import { planPrograms, PrgPrograms } from '../rewrite/prg.js';
import { parseArgs, USAGE } from './args.js';
import { dump } from './dump.js';
import { explain, explainFacts, explainPlan } from './explain.js';
import type { ExplainOptions } from './args.js';
import { formatDiagnostic } from './format.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `tsproxyd/${pkg.version} (Node.js ${process.version}; httpd 2.4 configuration language)`;
}

function report(result: LoadResult): void {
  const lines: string[] = [];
  for (const d of result.diagnostics) lines.push(formatDiagnostic(d, result.sources));
  const ignored = result.registry.modules.filter((m) => m.ignoredBecause && result.model.files.length > 0 && loadedIgnored(result, m.name));
  if (ignored.length) {
    lines.push(`tsproxyd: Notice: accepted for compatibility and ignored: ${ignored.map((m) => `${m.source} (${m.ignoredBecause})`).join('; ')}`);
  }
  if (lines.length) process.stderr.write(lines.join('\n') + '\n');
}

function loadedIgnored(result: LoadResult, name: string): boolean {
  const uses = (scopeConfs: Map<string, unknown>) => scopeConfs.has(name);
  const m = result.model;
  return [m.main, ...m.vhosts].some((s) => uses(s.confs) || s.dirs.some((d) => uses(d.confs)));
}

/** --explain: route one request on the checked config and print why; RewriteMap programs run for its lookups. */
async function explainMode(result: LoadResult, opts: ExplainOptions): Promise<number> {
  const plan = explainPlan(compilePlan(result.model));
  const facts = explainFacts(plan, opts);
  if (!facts.ok) {
    process.stderr.write(`tsproxyd: ${facts.error}\n`);
    return 1;
  }
  const programs = new PrgPrograms(planPrograms(plan), (line) => process.stderr.write(`tsproxyd: ${line}\n`));
  programs.start();
  const routeOne = (f: RequestFacts) => route(plan, f);
  try {
    const text = await explain(plan, facts.facts, result.sources, (f) => programs.route(routeOne, f));
    process.stdout.write(text + '\n');
  } finally {
    await programs.close();
  }
  return 0;
}

export function main(argv: readonly string[]): number | Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`tsproxyd: ${parsed.error}\n${USAGE}\n`);
    return 1;
  }
  const opts = parsed.options;
  if (opts.mode === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (opts.mode === 'version') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const loadOptions = { file: opts.file, defines: opts.defines, ...(opts.serverRoot ? { serverRoot: opts.serverRoot } : {}) };
  const result = loadConfig(loadOptions);
  report(result);
  if (result.errors > 0) {
    if (opts.mode === 'run') process.stderr.write(`tsproxyd: ${result.errors} configuration error${result.errors > 1 ? 's' : ''}; not starting\n`);
    return 1;
  }
  if (opts.mode === 'dump') {
    process.stdout.write(dump(result) + '\n');
    process.stderr.write('Syntax OK\n');
    return 0;
  }
  if (opts.mode === 'check') {
    process.stderr.write('Syntax OK\n');
    return 0;
  }
  if (opts.mode === 'explain' && opts.explain !== undefined) {
    process.stderr.write('Syntax OK\n');
    return explainMode(result, opts.explain);
  }
  if (opts.signal !== undefined) {
    const pid = (result.model.main.confs.get('core') as CoreServerConf | undefined)?.pidFile;
    const serveArgs = ['-f', opts.file, ...(opts.serverRoot ? ['-d', opts.serverRoot] : []), ...opts.defines.flatMap((d) => ['-D', d])];
    return control(opts.signal, pid === undefined ? undefined : serverRootRelative(result.model.serverRoot, pid), {
      out: (line) => process.stderr.write(`tsproxyd: ${line}\n`),
      serveArgs,
    });
  }
  const workers = workerCount(result.model);
  if (cluster.isPrimary && !opts.singleProcess && workers > 1) return servePrimary(result.model, loadOptions, workers);
  return serve(result.model, loadOptions);
}
