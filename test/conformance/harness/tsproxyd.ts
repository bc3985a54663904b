// The system under test: `node dist/src/cli/main.js --check -f FILE [-D NAME]...`.
// Contract: exit 0 and "Syntax OK" on stderr (warnings before it are fine); on failure exit 1 and, per error,
// "tsproxyd: Syntax error on line N of FILE: message" (possibly chained through Includes like httpd's read-phase
// form) followed by detail lines (column, the line, a caret). The first such line is the first error in httpd's
// order.
import { existsSync } from 'node:fs';
import type { CheckOptions } from './apache.js';
import { cleanEnv, run } from './proc.js';
import { located, parseSyntaxErrorChain, runProblems, type CheckOutcome, type ConfigError } from './outcome.js';
import { tsproxydCliPath } from './paths.js';

export function tsproxydCliExists(cli: string = tsproxydCliPath()): boolean {
  return existsSync(cli);
}

export const TSPROXYD_BUILD_HINT = 'build it first: `npx tsc -p tsconfig.json` (or `npm run build`)';

export async function tsproxydCheck(configFile: string, opts: CheckOptions & { cli?: string } = {}): Promise<CheckOutcome> {
  const cli = opts.cli ?? tsproxydCliPath();
  const result = await run(process.execPath, [cli, '--check', '-f', configFile, ...(opts.args ?? [])], {
    env: cleanEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 15_000,
  });
  const output = result.stderr + result.stdout;
  const syntaxOk = /^Syntax OK$/m.test(output);
  const errors = parseTsproxydErrors(output);
  const problems = runProblems(result, syntaxOk, errors);
  if (result.exitCode === 1 && errors.length === 0) problems.push('exit status 1 but no "tsproxyd: Syntax error on line N of FILE: …" line');
  if (/^\s+at .+\(.*:\d+:\d+\)$/m.test(result.stderr)) problems.push('printed a JavaScript stack trace');
  return {
    tool: 'tsproxyd',
    verdict: result.exitCode === 0 ? 'ok' : 'error',
    syntaxOk,
    errors,
    problems,
    run: result,
  };
}

const ERROR_LINE = /^tsproxyd: (Syntax error on line \d+ of .*)$/gm;

export function parseTsproxydErrors(output: string): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const m of output.matchAll(ERROR_LINE)) {
    const parsed = parseSyntaxErrorChain(m[1] as string);
    if (parsed) errors.push(located(parsed.chain, parsed.message, m[0]));
  }
  return errors;
}
