// mod_rewrite's trace lines (do_rewritelog), for `LogLevel rewrite:trace1` … `trace8`: the same payload httpd writes
// to its error log, so what users grep for ("applying pattern", "RewriteCond: input=", "rewrite '…' -> '…'",
// "forcing proxy-throughput with", "go-ahead with proxy request") reads the same:
//   [rewrite:trace3] 127.0.0.1 - - [host/sid#1][rid#7/initial] applying pattern '^/x' to uri '/x'
// Lines are only built when their level is enabled; errors (AH…) are always kept.

let requestCounter = 0;

export class RewriteLog {
  readonly lines: string[] = [];
  readonly #level: number;
  readonly #prefix: string;

  /** `level`: the highest trace level wanted (0: none). */
  constructor(level: number, remoteAddr: string, serverName: string, sid: string) {
    this.#level = level;
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

  /** `code`: httpd's AHnnnnn message number, when it has one. */
  error(code: string | undefined, text: string): void {
    this.lines.push(`[rewrite:error] ${code !== undefined ? `${code}: ` : ''}${text}`);
  }
}
