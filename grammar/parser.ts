// The grammar of an httpd config file, as a chevrotain parser with embedded actions: it decides the nesting
// and calls the semantic actions of to-tree.ts (TreeBuilder), so no CST is built.
//
//   configFile := item*
//   section    := OpenTag item* closeTag?
//   item       := Directive | section | Comment | Newline (blank line)
//               | StrayGt | StrayLt | CloseTag (stray close)
//
// The grammar accepts EVERY token sequence, so parsing never fails and never needs re-sync; structural problems
// are reported by the actions. Open/close matching is semantic, done with gates on the tag names
// (case-insensitive) against the stack of open sections:
//   - a </X> matching the innermost open section closes it;
//   - a </X> matching an outer open section ends the inner sections unclosed (the outer one then consumes it);
//   - a </X> matching no open section is taken as an item (a stray close, reported and ignored), and the
//     section goes on.
// Sections nest by recursion, so nesting deeper than MAX_NESTING is reported instead of followed (real configs
// nest a handful of levels; httpd itself stops includes at 128).

import type { SyntaxNode } from './ast.js';
import { EmbeddedActionsParser, type IToken } from './chevrotain.js';
import { tagInfo } from './lexer.js';
import type { Frame, TreeBuilder } from './to-tree.js';
import { allTokens, CloseTag, Comment, Directive, Newline, OpenTag, StrayGt, StrayLt } from './tokens.js';

export const MAX_NESTING = 200;

class ConfParser extends EmbeddedActionsParser {
  private b!: TreeBuilder;

  constructor() {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  /** Parse `tokens` (one file), calling `builder`'s actions; the file's top-level nodes. */
  run(tokens: IToken[], builder: TreeBuilder): SyntaxNode[] {
    this.b = builder;
    this.input = tokens;
    const top = this.configFile();
    builder.finish();
    return top;
  }

  /** LA(1) is a </X> that matches some open section (so the current section must stop). */
  private closesOpenSection(): boolean {
    const t = this.LA(1);
    return t.tokenType === CloseTag && this.b.openKeys().includes(tagInfo(t).key);
  }

  /** LA(1) is the </X> of the innermost open section. */
  private closesInnermost(): boolean {
    const t = this.LA(1);
    const keys = this.b.openKeys();
    return t.tokenType === CloseTag && tagInfo(t).key === keys[keys.length - 1];
  }

  /** One line of a file or section body; what it makes is appended to `into`. */
  private item(into: SyntaxNode[]): void {
    this.OR({
      // A section and a too-deep opening tag both start with OpenTag; the gate tells them apart.
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            const t = this.CONSUME(Directive);
            this.ACTION(() => {
              const d = this.b.directive(t);
              if (d) into.push(d);
            });
          },
        },
        {
          GATE: () => this.b.openKeys().length < MAX_NESTING,
          ALT: () => {
            const s = this.SUBRULE(this.section);
            this.ACTION(() => into.push(s));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME2(OpenTag);
            this.ACTION(() => this.b.tooDeep(t, MAX_NESTING));
          },
        },
        { ALT: () => this.CONSUME(Comment) },
        { ALT: () => this.CONSUME(Newline) },
        {
          ALT: () => {
            const t = this.CONSUME(StrayGt);
            this.ACTION(() => this.b.strayGt(t));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(StrayLt);
            this.ACTION(() => this.b.strayLt(t));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(CloseTag);
            this.ACTION(() => this.b.strayClose(t));
          },
        },
      ],
    });
  }

  public configFile = this.RULE('configFile', (): SyntaxNode[] => {
    const top: SyntaxNode[] = [];
    this.MANY(() => this.item(top));
    return top;
  });

  public section = this.RULE('section', (): SyntaxNode => {
    const openTok = this.CONSUME(OpenTag);
    const frame = this.ACTION(() => this.b.open(openTok)) as Frame | undefined;
    const children = frame?.children ?? []; // undefined only while chevrotain records the grammar
    this.MANY({
      GATE: () => !this.closesOpenSection(),
      DEF: () => this.item(children),
    });
    const closeTok = this.OPTION({
      GATE: () => this.closesInnermost(),
      DEF: () => this.CONSUME2(CloseTag),
    });
    return this.ACTION(() => (closeTok ? this.b.close(frame!, closeTok) : this.b.unclosed(frame!))) as SyntaxNode;
  });
}

/** The one parser instance (chevrotain's analysis runs once). */
export const confParser = new ConfParser();
