// What a config check said, in a form both runners produce: the verdict, and the errors with the innermost
// file:line (apache2 chains "Syntax error on line 12 of a.conf: Syntax error on line 3 of b.conf: msg" for
// errors inside Include'd files; the innermost location is the one that names the offending line).
import { resolve } from 'node:path';
import type { RunResult } from './proc.js';

export type Verdict = 'ok' | 'error';

export interface Where {
  readonly file: string;
  readonly line: number;
}

export interface ConfigError {
  /** The message after the innermost location. */
  readonly message: string;
  /** Innermost location; absent for errors httpd reports without one (AH00534 no MPM, AH02291 ErrorLog dir). */
  readonly where?: Where;
  /** Every location in the chain, outermost first. */
  readonly chain: readonly Where[];
  /** The text as printed. */
  readonly raw: string;
  /** httpd truncated the message (8 KB limit) before the innermost location; `where` is then absent. */
  readonly truncated?: boolean;
}

export interface CheckOutcome {
  readonly tool: 'apache2' | 'tsproxyd';
  readonly verdict: Verdict;
  /** "Syntax OK" was printed. */
  readonly syntaxOk: boolean;
  /** In the order printed; apache2 prints one, tsproxyd may print several. errors[0] is what gets compared. */
  readonly errors: readonly ConfigError[];
  /** Broken contract: timeout, crash, exit 0 without "Syntax OK", an error exit without any error line… */
  readonly problems: readonly string[];
  readonly run: RunResult;
}

const CHAIN_LINK = /^Syntax error on line (\d+) of (.+?): ([^]*)$/;

/** Splits "Syntax error on line N of F: Syntax error on line M of G: msg" into its locations and message. */
export function parseSyntaxErrorChain(text: string): { chain: Where[]; message: string } | undefined {
  const chain: Where[] = [];
  let rest = text;
  for (;;) {
    const m = CHAIN_LINK.exec(rest);
    if (!m) break;
    chain.push({ line: Number(m[1]), file: resolve(m[2] as string) });
    rest = m[3] as string;
  }
  return chain.length > 0 ? { chain, message: rest.trim() } : undefined;
}

export function located(chain: readonly Where[], message: string, raw: string): ConfigError {
  const where = chain[chain.length - 1];
  return where ? { message, where, chain, raw } : { message, chain, raw };
}

/** Problems common to both runners. */
export function runProblems(run: RunResult, syntaxOk: boolean, errors: readonly ConfigError[]): string[] {
  const problems: string[] = [];
  if (run.spawnError) problems.push(`could not start: ${run.spawnError.message}`);
  if (run.timedOut) problems.push(`timed out after ${run.durationMs} ms (killed)`);
  else if (run.signal) problems.push(`killed by ${run.signal}`);
  if (run.exitCode === 0 && !syntaxOk) problems.push('exit status 0 but no "Syntax OK"');
  if (run.exitCode !== null && run.exitCode !== 0 && run.exitCode !== 1) problems.push(`exit status ${run.exitCode} (expected 0 or 1)`);
  if (run.exitCode === 0 && errors.length > 0) problems.push(`exit status 0 but printed an error: ${errors[0]?.raw}`);
  return problems;
}

/** A path as shown in reports: relative to the ServerRoot when inside it. */
export function showPath(file: string, serverRoot: string): string {
  return file.startsWith(serverRoot + '/') ? file.slice(serverRoot.length + 1) : file;
}

export function showWhere(where: Where | undefined, serverRoot: string): string {
  return where ? `${showPath(where.file, serverRoot)}:${where.line}` : '(no location)';
}

/** A short multi-line account of an outcome, for assertion messages and the report. */
export function describeOutcome(o: CheckOutcome, serverRoot: string): string {
  const head = `${o.tool}: exit ${o.run.exitCode ?? o.run.signal ?? 'none'}, ${o.verdict}`;
  const first = o.errors[0];
  const lines = [first ? `${head}, first error at ${showWhere(first.where, serverRoot)}: ${first.message}` : head];
  for (const p of o.problems) lines.push(`  problem: ${p}`);
  const output = (o.run.stderr + o.run.stdout).split(serverRoot).join('<SR>').trimEnd();
  const shown = output.length > 1500 ? output.slice(0, 1500) + ` … (${output.length} chars)` : output;
  if (shown) lines.push(...shown.split('\n').map((l) => `  | ${l}`));
  return lines.join('\n');
}
