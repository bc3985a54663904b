// Configuration problems as the library API hands them over: located diagnostics (file, line, column) and the
// error a createProxy() or reload() promise is rejected with when a configuration has errors.
import type { Diagnostic } from '../../grammar/ast.js';
import { formatDiagnostic } from '../cli/format.js';

/** One problem found in a configuration, located where it stands. */
export interface ConfigDiagnostic {
  readonly severity: 'error' | 'warning' | 'notice';
  /** A stable identifier of the kind of problem (e.g. `TSP_CONF_UNKNOWN_DIRECTIVE`, or httpd's `AH00526`). */
  readonly code: string;
  readonly message: string;
  /** Absolute path of the file (for `configText`: the name it was given). */
  readonly file: string;
  /** 1-based line and column; 0 when the problem has no place (a main file that cannot be read). */
  readonly line: number;
  readonly column: number;
  /** The whole report as `tsproxyd --check` prints it: httpd's lead line, `--> file:line:col`, the line, a caret. */
  readonly text: string;
}

export function toConfigDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): ConfigDiagnostic {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.loc.file,
    line: d.loc.line,
    column: d.loc.col,
    text: formatDiagnostic(d, sources),
  };
}

/** The rejection of createProxy() / reload() for a configuration with errors; its message lists every error. */
export class ConfigError extends Error {
  /** Every diagnostic of the configuration, errors and warnings, in reading order. */
  readonly diagnostics: readonly ConfigDiagnostic[];

  constructor(diagnostics: readonly ConfigDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(`${errors.length} configuration error${errors.length === 1 ? '' : 's'}:\n${errors.map((d) => d.text).join('\n')}`);
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}
