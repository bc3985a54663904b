#!/usr/bin/env node
// The only place that touches process: argv, exit codes, stdout/stderr.
import { readFileSync } from 'node:fs';
import { loadConfig, type LoadResult } from '../config/load.js';
import type { ConfigModel } from '../config/types.js';
import { compilePlan } from '../route/compile.js';
import { route } from '../route/route.js';
import { limitsFromConfig } from '../server/limits-from-config.js';
import { createProxyServer } from '../server/server.js';
import { levelFilter } from '../server/log-level.js';
import { parseArgs, USAGE } from './args.js';
import { dump } from './dump.js';
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

/** Run mode: serve in the foreground until SIGTERM or SIGINT, then close every listener and exit 0. */
async function serve(model: ConfigModel): Promise<number> {
  const plan = compilePlan(model);
  const log = levelFilter(model, (line) => process.stderr.write(`tsproxyd: ${line}\n`));
  const server = createProxyServer({ plan, route: (facts) => route(plan, facts), limits: limitsFromConfig(model), log });
  let addrs;
  try {
    addrs = await server.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const where = e.address !== undefined ? `${e.address}:${e.port ?? ''}` : '';
    process.stderr.write(`tsproxyd: ${e.code === 'EADDRINUSE' ? `could not bind to address ${where}: Address already in use` : e.message}\n`);
    process.stderr.write('tsproxyd: no listening sockets available, shutting down\n');
    await server.close();
    return 1;
  }
  for (const a of addrs) process.stderr.write(`tsproxyd: listening on ${a.text}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  return 0;
}

function main(argv: readonly string[]): number | Promise<number> {
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
  if (opts.signal !== undefined) {
    process.stderr.write(`tsproxyd: -k ${opts.signal}: driving a running instance is not available yet\n`);
    return 1;
  }
  const result = loadConfig({ file: opts.file, defines: opts.defines, ...(opts.serverRoot ? { serverRoot: opts.serverRoot } : {}) });
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
  return serve(result.model);
}

const code = main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
else void code.then((c) => process.exit(c));
