// The lexer: built once, reused. Each token is one logical line (see tokens.ts).
// Section tags get their name pre-computed into token.payload (TagInfo), which
// the parser's gates use to match </Name> against the open <Name> sections.

import { Lexer, type ILexingResult, type IToken } from './chevrotain.js';
import { allTokens, CloseTag, OpenTag } from './tokens.js';
import { logicalLine, nextWord, type LogicalLine, type RawWord } from './words.js';

export const confLexer = new Lexer(allTokens, {
  // Only the start of a token is used (line tokens are re-read by words.ts logicalLine()).
  positionTracking: 'onlyStart',
  // httpd ends lines at LF only; a lone CR is whitespace.
  lineTerminatorsPattern: /\n/g,
  lineTerminatorCharacters: ['\n'],
  // Every token type has a first-char hint (tokens.ts), so chevrotain picks the candidate patterns by the first
  // character instead of trying each in turn.
  ensureOptimizations: true,
  skipValidations: false,
});

export interface TagInfo {
  readonly ll: LogicalLine;
  /** The first word (`<Name`, `<Name>`, `</Name>` ...), as ap_getword_conf returns it. */
  readonly first: RawWord;
  /** Name without `<`, `</` and one trailing `>`, as written. */
  readonly name: string;
  /** name lower-cased: open/close matching is case-insensitive. */
  readonly key: string;
}

export function tagInfo(tok: IToken): TagInfo {
  return tok.payload as TagInfo;
}

function computeTag(tok: IToken, close: boolean): TagInfo {
  const ll = logicalLine(tok.image, tok.startLine ?? 1, tok.startColumn ?? 1);
  const first = nextWord(ll.text, 0) ?? { text: '', start: 0, end: 0 };
  let name = first.text.slice(close ? 2 : 1);
  if (name.endsWith('>')) name = name.slice(0, -1);
  return { ll, first, name, key: name.toLowerCase() };
}

/** Lex a whole file (BOM already removed by the caller). */
export function tokenize(text: string): ILexingResult {
  const res = confLexer.tokenize(text);
  for (const tok of res.tokens) {
    const t = tok.tokenType;
    if (t === OpenTag) tok.payload = computeTag(tok, false);
    else if (t === CloseTag) tok.payload = computeTag(tok, true);
  }
  return res;
}
