// The CstParser. One instance, reused (set .input, call configFile()).
//
//   configFile := item*
//   section    := OpenTag item* closeTag?
//   item       := Directive | section | Comment | Newline (blank line)
//               | StrayGt | StrayLt | CloseTag (stray close)
//
// (item is inlined into both rules, see item() below.)
//
// The grammar accepts EVERY token sequence, so parsing never fails and never
// needs re-sync; all structural problems are found by to-tree.ts, which reads
// the CST. Open/close matching is semantic, done with gates on the tag names
// (case-insensitive) against the stack of open sections:
//   - a </X> matching the innermost open section closes it;
//   - a </X> matching an outer open section ends the inner sections unclosed
//     (the outer one then consumes it);
//   - a </X> matching no open section is taken as an item (a stray close,
//     reported and ignored), and the section goes on.

import { CstParser, type CstNode, type IToken } from './chevrotain.js';
import { allTokens, CloseTag, Comment, Directive, Newline, OpenTag, StrayGt, StrayLt } from './tokens.js';
import { tagInfo } from './lexer.js';

class ConfParser extends CstParser {
  /** Lower-cased names of the open sections, innermost last. */
  private open: string[] = [];

  constructor() {
    super(allTokens, { recoveryEnabled: false, nodeLocationTracking: 'none', maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  begin(tokens: IToken[]): void {
    this.open = [];
    this.input = tokens;
  }

  /** LA(1) is a </X> that matches some open section (so the current section must stop). */
  private closesOpenSection(): boolean {
    const t = this.LA(1);
    if (t.tokenType !== CloseTag) return false;
    return this.open.includes(tagInfo(t).key);
  }

  /** LA(1) is the </X> of the innermost open section. */
  private closesInnermost(): boolean {
    const t = this.LA(1);
    return t.tokenType === CloseTag && tagInfo(t).key === this.open[this.open.length - 1];
  }

  /**
   * One line of a file or section body. A plain method (not a rule) so that
   * no CST node is built per line: its tokens land directly in the enclosing
   * configFile/section node, labelled by kind; to-tree.ts restores the source
   * order from the token offsets.
   */
  private item(): void {
    this.OR([
      { ALT: () => this.CONSUME(Directive) },
      { ALT: () => this.SUBRULE(this.section) },
      { ALT: () => this.CONSUME(Comment) },
      { ALT: () => this.CONSUME(Newline, { LABEL: 'blankLine' }) },
      { ALT: () => this.CONSUME(StrayGt) },
      { ALT: () => this.CONSUME(StrayLt) },
      { ALT: () => this.CONSUME(CloseTag, { LABEL: 'strayClose' }) },
    ]);
  }

  public configFile = this.RULE('configFile', () => {
    this.MANY(() => this.item());
  });

  public section = this.RULE('section', () => {
    const openTok = this.CONSUME(OpenTag);
    this.ACTION(() => this.open.push(tagInfo(openTok).key));
    this.MANY({
      GATE: () => !this.closesOpenSection(),
      DEF: () => this.item(),
    });
    this.OPTION({
      GATE: () => this.closesInnermost(),
      DEF: () => this.CONSUME2(CloseTag, { LABEL: 'closeTag' }),
    });
    this.ACTION(() => this.open.pop());
  });
}

/** The one parser instance. */
export const confParser = new ConfParser();

/** Parse a token vector into the CST of configFile. */
export function parseTokens(tokens: IToken[]): CstNode {
  confParser.begin(tokens);
  return confParser.configFile();
}
