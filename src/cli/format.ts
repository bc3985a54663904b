// Diagnostics as the user reads them: httpd's "Syntax error on line N of FILE:" lead, then tsproxyd's extras (the
// column, the offending line with a caret, the Include chain).
import type { Diagnostic } from '../../grammar/ast.js';

const LEAD: Record<Diagnostic['severity'], string> = {
  error: 'Syntax error',
  warning: 'Warning',
  notice: 'Notice',
};

export function lineOf(source: string | undefined, line: number): string | undefined {
  if (source === undefined || line < 1) return undefined;
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = source.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const end = source.indexOf('\n', start);
  return source.slice(start, end < 0 ? undefined : end).replace(/\r$/, '');
}

export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>, prog = 'tsproxyd'): string {
  const { file, line, col } = d.loc;
  // A problem with no line (the main file cannot be read) is one line, as httpd prints it.
  if (line < 1) return `${prog}: ${d.message}`;
  const out = [`${prog}: ${LEAD[d.severity]} on line ${line} of ${file}: ${d.message}`];
  const text = lineOf(sources.get(file), line);
  if (text !== undefined) {
    const num = String(line);
    const pad = ' '.repeat(num.length);
    // Tabs are kept so the caret lines up under the same characters.
    const lead = text.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
    out.push(`  --> ${file}:${line}:${col}`, ` ${pad} |`, ` ${num} | ${text}`, ` ${pad} | ${lead}^`);
  }
  for (const inc of [...(d.via ?? [])].reverse()) out.push(`  (included from ${inc.file}:${inc.line})`);
  return out.join('\n');
}
