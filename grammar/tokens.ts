// Token types of the httpd config language.
//
// httpd's rules are line based (server/util.c ap_cfg_getline): a physical line
// ending in `\` [CR] LF is joined with the next one, and only then is the
// logical line classified (comment, <section>, </section>, directive) and split
// into words (ap_getword_conf). So each token here is ONE LOGICAL LINE,
// continuations included, recognised by its first non-blank character; the
// parser (parser.ts) builds the nesting from these line tokens and to-tree.ts
// splits each line into words. Every line token also swallows its terminating
// LF, so a Newline token on its own is a blank line.
//
// Whitespace is C isspace() (space, \t, \v, \f, \r; \n ends the line). A lone
// \r is NOT a line terminator for httpd (only LF is), see lexer.ts.

import { createToken, Lexer, type TokenType } from './chevrotain.js';

/** The rest of a logical line: anything up to an LF that is not preceded by a backslash (optionally + CR). */
const REST = String.raw`[^\\\n]*(?:\\(?:\r?\n)?[^\\\n]*)*`;
const logicalLine = (start: string): RegExp => new RegExp(start + REST + String.raw`\n?`);

/** Blanks before the first word of a line (trailing blanks are inside the line token and trimmed later). */
export const Whitespace = createToken({
  name: 'Whitespace',
  pattern: /[ \t\r\v\f]+/,
  group: Lexer.SKIPPED,
  start_chars_hint: [' ', '\t', '\r', '\v', '\f'],
});

/** A backslash-newline before the first word: the logical line simply continues on the next physical line. */
export const Continuation = createToken({
  name: 'Continuation',
  pattern: /\\\r?\n/,
  group: Lexer.SKIPPED,
  line_breaks: true,
  start_chars_hint: ['\\'],
});

/** An LF on its own: a blank (or whitespace-only) line. */
export const Newline = createToken({
  name: 'Newline',
  pattern: /\n/,
  line_breaks: true,
  start_chars_hint: ['\n'],
});

/** A logical line whose first non-blank character is '#', continuation lines included (as in httpd). */
export const Comment = createToken({
  name: 'Comment',
  pattern: logicalLine('#'),
  line_breaks: true,
  start_chars_hint: ['#'],
});

/** `</Name>` — a closing section tag line. */
export const CloseTag = createToken({
  name: 'CloseTag',
  pattern: logicalLine('<\\/'),
  line_breaks: true,
  start_chars_hint: ['<'],
});

/** `<` with no section name after it (`<`, `< x>`, `<>`): an error, never a section. */
export const StrayLt = createToken({
  name: 'StrayLt',
  pattern: logicalLine('<(?![^ \\t\\r\\v\\f\\n>])'),
  line_breaks: true,
  start_chars_hint: ['<'],
});

/** `<Name args>` — an opening section tag line. */
export const OpenTag = createToken({
  name: 'OpenTag',
  pattern: logicalLine('<'),
  line_breaks: true,
  start_chars_hint: ['<'],
});

/** A line starting with `>`: an error. */
export const StrayGt = createToken({
  name: 'StrayGt',
  pattern: logicalLine('>'),
  line_breaks: true,
  start_chars_hint: ['>'],
});

/**
 * The first characters of a Directive line, for chevrotain's first-char optimisation (it cannot analyse the
 * complement set in the pattern): every char code below 256 but the excluded ones, and one char code of each
 * block chevrotain groups the char codes above 255 in (floor(code / 255), lexer.ts charCodeToOptimizedIndex);
 * the pattern itself still decides. test/unit/grammar.test.ts checks that lines starting with chars of every
 * block are directives.
 */
function directiveStartChars(): number[] {
  const out: number[] = [];
  for (let c = 0; c < 256; c++) if (' \t\r\v\f\n<>#'.indexOf(String.fromCharCode(c)) < 0) out.push(c);
  for (let c = 256; c < 0x10000; c++) if (c === 256 || c % 255 === 0) out.push(c);
  return out;
}

/** Any other line: a directive (its first word is the name). */
export const Directive = createToken({
  name: 'Directive',
  pattern: logicalLine('[^ \\t\\r\\v\\f\\n<>#]'),
  line_breaks: true,
  start_chars_hint: directiveStartChars(),
});

/** Order matters: chevrotain takes the first pattern that matches. */
export const allTokens: TokenType[] = [
  Whitespace,
  Continuation,
  Newline,
  Comment,
  CloseTag,
  StrayLt,
  OpenTag,
  StrayGt,
  Directive,
];
