// Public API of the grammar: parse a config file into the generic syntax tree,
// and split one logical line into words the way httpd does.

import type { Diagnostic, Loc, ParseResult, Word } from './ast.js';
import { tokenize } from './lexer.js';
import { confParser } from './parser.js';
import { TreeBuilder } from './to-tree.js';
import { getWords } from './words.js';

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.loc.line - b.loc.line || a.loc.col - b.loc.col;
}

/**
 * Parse httpd config text. Never throws: every syntax problem is a Diagnostic
 * (sorted by position). Every node carries file/line/col (physical lines).
 */
export function parseConf(text: string, file: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  try {
    // A UTF-8 BOM is skipped (httpd would read it as part of the first directive name).
    const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const lexed = tokenize(src);
    for (const e of lexed.errors) {
      diagnostics.push({
        code: 'TSP_SYNTAX_LEX',
        severity: 'error',
        message: e.message,
        loc: { file, line: e.line ?? 1, col: e.column ?? 1 },
      });
    }
    // The parser (parser.ts) decides the nesting; its actions (to-tree.ts) build the nodes.
    const builder = new TreeBuilder(file);
    const nodes = confParser.run(lexed.tokens, builder);
    for (const d of builder.diags) diagnostics.push(d);
    diagnostics.sort(byPosition);
    return { nodes, diagnostics };
  } catch (err) {
    diagnostics.push({
      code: 'TSP_SYNTAX_INTERNAL',
      severity: 'error',
      message: `Internal error while parsing: ${err instanceof Error ? err.message : String(err)}`,
      loc: { file, line: 1, col: 1 },
    });
    diagnostics.sort(byPosition);
    return { nodes: [], diagnostics };
  }
}

/**
 * httpd's ap_getword_conf applied to one logical line until it is exhausted
 * (used after ${VAR} expansion re-tokenises a line). Word locations are
 * at.line and at.col + the word's offset in `text`. An unterminated quote takes
 * the rest of the line, as in httpd (parseConf reports it; this does not).
 */
export function splitWords(text: string, at: Loc): Word[] {
  return getWords(text).map((w) => {
    const loc: Loc = { file: at.file, line: at.line, col: at.col + w.start };
    return w.quote ? { text: w.text, quote: w.quote, loc } : { text: w.text, loc };
  });
}
