// mod_rewrite's trace lines (do_rewritelog), for `LogLevel rewrite:trace1` … `trace8`: the same payload httpd writes
// to its error log, so what users grep for ("applying pattern", "RewriteCond: input=", "rewrite '…' -> '…'",
// "forcing proxy-throughput with", "go-ahead with proxy request") reads the same:
//   [rewrite:trace3] 127.0.0.1 - - [host/sid#1][rid#7/initial] applying pattern '^/x' to uri '/x'
// Lines are only built when their level is enabled; errors (AH…) are always kept.
// Level 9 (EXPLAIN_LEVEL, never set by LogLevel) is `tsproxyd --explain`: trace8 plus "[rewrite:explain]" lines
// that name the config line of each rule and condition tried and what came of it.
import type { Loc } from '../../grammar/ast.js';

/** The trace level `tsproxyd --explain` compiles the rewrite plans with. */
export const EXPLAIN_LEVEL = 9;
export const EXPLAIN_TAG = '[rewrite:explain] ';

/** " ($1='a', $2='')" for --explain: a match's groups. */
export function groupsText(m: RegExpExecArray | null, sigil: string): string {
  if (m === null || m.length <= 1) return '';
  return ` (${m.slice(1).map((g, i) => `${sigil}${i + 1}='${g ?? ''}'`).join(', ')})`;
}

let requestCounter = 0;

export class RewriteLog {
  readonly lines: string[] = [];
  /** --explain: explain() lines are wanted. */
  readonly explaining: boolean;
  readonly #level: number;
  readonly #prefix: string;

  /** `level`: the highest trace level wanted (0: none). */
  constructor(level: number, remoteAddr: string, serverName: string, sid: string) {
    this.#level = level;
    this.explaining = level >= EXPLAIN_LEVEL;
    this.#prefix = level > 0 ? `${remoteAddr} - - [${serverName}/sid#${sid}][rid#${(++requestCounter).toString(16)}/initial] ` : '';
  }

  /** Is trace level `n` on? Callers test it before building an expensive message. */
  on(n: number): boolean {
    return n <= this.#level;
  }

  /** Per-directory rules: their lines say "[perdir /dir/] ". */
  perdir: string | undefined;

  trace(n: number, text: string): void {
    if (n <= this.#level) this.lines.push(`[rewrite:trace${n}] ${this.#prefix}${this.perdir !== undefined ? `[perdir ${this.perdir}] ` : ''}${text}`);
  }

  /** An --explain line: "file:line: text" (callers test `explaining` first). */
  explain(loc: Loc | undefined, text: string): void {
    const where = loc === undefined ? '' : `${loc.file}:${loc.line}: `;
    this.lines.push(`${EXPLAIN_TAG}${where}${this.perdir !== undefined ? `[perdir ${this.perdir}] ` : ''}${text}`);
  }

  /** `code`: httpd's AHnnnnn message number, when it has one. */
  error(code: string | undefined, text: string): void {
    this.lines.push(`[rewrite:error] ${code !== undefined ? `${code}: ` : ''}${text}`);
  }
}
