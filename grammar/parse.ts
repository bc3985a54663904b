// Public API of the grammar: parse a config file into the generic syntax tree,
// and split one logical line into words the way httpd does.

import type { Diagnostic, Loc, ParseResult, Word } from './ast.js';
import { tokenize } from './lexer.js';
import { confParser, parseTokens } from './parser.js';
import { toTree } from './to-tree.js';
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
    const cst = parseTokens(lexed.tokens);
    for (const e of confParser.errors) {
      // Not expected: the grammar accepts every token sequence.
      diagnostics.push({
        code: 'TSP_SYNTAX_PARSE',
        severity: 'error',
        message: e.message,
        loc: { file, line: e.token.startLine ?? 1, col: e.token.startColumn ?? 1 },
      });
    }
    const nodes = toTree(cst, file, diagnostics);
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
