// CST (parser.ts) -> SyntaxNode[] (ast.ts), with every structural diagnostic.
//
// Messages mirror httpd 2.4 (server/config.c ap_build_config_sub /
// ap_build_config, core.c section handlers), checked with `apache2 -t`.

import type { CstNode, IToken } from './chevrotain.js';
import type { Diagnostic, DirectiveNode, Loc, SectionNode, Severity, SyntaxNode, Word } from './ast.js';
import { tagInfo, type TagInfo } from './lexer.js';
import { getWords, logicalLine, nextWord, posOf, skipSpace, type LogicalLine, type RawWord } from './words.js';

const INVALID_CMD = ', perhaps misspelled or defined by a module not included in the server configuration';

interface OpenSection {
  readonly name: string;
  readonly loc: Loc;
}

class TreeBuilder {
  readonly diags: Diagnostic[] = [];
  /** Sections (innermost first) that ended without their close because an outer section's close came. */
  private pendingUnclosed: OpenSection[] = [];
  /** Names of the open sections, innermost last (for messages). */
  private readonly stack: OpenSection[] = [];

  constructor(private readonly file: string) {}

  private loc(line: number, col: number): Loc {
    return { file: this.file, line, col };
  }

  private report(code: string, severity: Severity, message: string, loc: Loc): void {
    this.diags.push({ code, severity, message, loc });
  }

  private tokLoc(tok: IToken): Loc {
    return this.loc(tok.startLine ?? 1, tok.startColumn ?? 1);
  }

  private locAt(ll: LogicalLine, offset: number): Loc {
    const p = posOf(ll, offset);
    return this.loc(p.line, p.col);
  }

  private checkNul(ll: LogicalLine): void {
    if (ll.nulAt >= 0) {
      this.report(
        'TSP_SYNTAX_NUL_BYTE',
        'warning',
        'NUL byte in line: httpd ignores the rest of the line after it',
        this.loc(ll.nulLine, ll.nulCol),
      );
    }
  }

  /** Words of ll.text[from, to), located, reporting unterminated quotes. */
  private words(ll: LogicalLine, raw: readonly RawWord[]): Word[] {
    const out: Word[] = [];
    for (const w of raw) {
      const loc = this.locAt(ll, w.start);
      if (w.unterminated) {
        this.report(
          'TSP_SYNTAX_UNTERMINATED_QUOTE',
          'error',
          `Unterminated ${w.quote}-quoted string (httpd would silently take the rest of the line)`,
          loc,
        );
      }
      out.push(w.quote ? { text: w.text, quote: w.quote, loc } : { text: w.text, loc });
    }
    return out;
  }

  build(body: CstNode): SyntaxNode[] {
    const nodes = this.items(body);
    // End of file: whatever is still pending was never closed.
    this.flushUnclosed(undefined, '');
    return nodes;
  }

  /** The items of a configFile or section node, in source order (comments and blank lines are dropped). */
  private items(body: CstNode): SyntaxNode[] {
    const nodes: SyntaxNode[] = [];
    const ch = body.children;
    const lists = KINDS.map((k) => ch[k]);
    const heads = [0, 0, 0, 0, 0];
    let pick = 0;
    for (;;) {
      // Next child in source order: the smallest offset among the lists' heads.
      let key = '';
      let best = Infinity;
      for (let k = 0; k < KINDS.length; k++) {
        const list = lists[k];
        if (list && heads[k]! < list.length) {
          const off = offsetOf(list[heads[k]!]!);
          if (off < best) {
            best = off;
            key = KINDS[k]!;
            pick = k;
          }
        }
      }
      if (key === '') break;
      const child = lists[pick]![heads[pick]!++]!;
      switch (key) {
        case 'Directive': {
          const d = this.directive(child as IToken);
          if (d) nodes.push(d);
          break;
        }
        case 'section': {
          const s = this.section(child as CstNode);
          if (s) nodes.push(s);
          break;
        }
        case 'strayClose':
          this.strayClose(child as IToken);
          break;
        case 'StrayGt': {
          const t = child as IToken;
          const ll = logicalLine(t.image, t.startLine ?? 1, t.startColumn ?? 1);
          const w = nextWord(ll.text, 0)?.text ?? '>';
          const cmd = w.endsWith('>') ? w.slice(0, -1) : w; // httpd strips a trailing '>' from the name
          this.report(
            'TSP_SYNTAX_STRAY',
            'error',
            `Stray '>' at the start of a line: httpd reads it as "Invalid command '${cmd}'${INVALID_CMD}"`,
            this.tokLoc(t),
          );
          break;
        }
        case 'StrayLt':
          this.report(
            'TSP_SYNTAX_STRAY',
            'error',
            `Section tag without a name: httpd reads it as "Invalid command '<'${INVALID_CMD}"`,
            this.tokLoc(child as IToken),
          );
          break;
      }
    }
    return nodes;
  }

  private directive(tok: IToken): DirectiveNode | undefined {
    const ll = logicalLine(tok.image, tok.startLine ?? 1, tok.startColumn ?? 1);
    this.checkNul(ll);
    const raw = getWords(ll.text);
    const head = raw[0];
    if (!head) return undefined; // only possible when a NUL byte emptied the line
    const words = this.words(ll, raw);
    // httpd strips one trailing '>' from a (non-close) directive name: `Define> X 1` is Define.
    const name = head.text.endsWith('>') ? head.text.slice(0, -1) : head.text;
    return {
      kind: 'directive',
      name,
      args: words.slice(1),
      rawArgs: ll.text.slice(skipSpace(ll.text, head.end)),
      loc: words[0]!.loc,
    };
  }

  private section(cst: CstNode): SectionNode | undefined {
    const openTok = cst.children['OpenTag']![0] as IToken;
    const tag = tagInfo(openTok);
    const ll = tag.ll;
    this.checkNul(ll);
    const loc = this.tokLoc(openTok);
    const text = ll.text;
    const restStart = skipSpace(text, tag.first.end);
    const lastGt = text.lastIndexOf('>');
    let argsEnd: number;
    if (restStart >= text.length) {
      // `<Name>` (or `<Name` alone, which httpd reads as `<Name>`: it sets args to ">").
      argsEnd = restStart;
      if (!tag.first.text.endsWith('>')) {
        this.report(
          'TSP_SYNTAX_MISSING_GT',
          'warning',
          `<${tag.name}> directive missing closing '>' (httpd reads '<${tag.name}' alone as '<${tag.name}>')`,
          loc,
        );
      }
    } else if (lastGt < restStart) {
      // httpd builds the section anyway (the tree builder does not look for '>');
      // the section handler (core.c unclosed_directive) fails later with this
      // message. We do the same: the section opens and takes the following lines
      // up to its </Name>, so the rest of the file keeps its structure.
      // httpd finds this when it applies the section, i.e. in its walk phase, not while reading: the code says so.
      this.report('TSP_SYNTAX_OPEN_MISSING_GT', 'error', `<${tag.name}> directive missing closing '>'`, loc);
      argsEnd = text.length;
    } else {
      // Section handlers use strrchr(args, '>'): the args end at the LAST '>'.
      argsEnd = lastGt;
      const after = skipSpace(text, lastGt + 1);
      if (after < text.length) {
        this.report(
          'TSP_SYNTAX_TRAILING_TEXT',
          'warning',
          `Text after the closing '>' of <${tag.name}> is ignored by httpd: ${JSON.stringify(text.slice(after))}`,
          this.locAt(ll, after),
        );
      }
    }
    const rawArgs = text.slice(restStart, argsEnd).trim();
    const args = this.words(ll, getWords(text, restStart, argsEnd));

    const me: OpenSection = { name: tag.name, loc };
    this.stack.push(me);
    const children = this.items(cst);
    this.stack.pop();

    const closeTok = first(cst.children['closeTag']);
    if (!closeTok) {
      // Ended by EOF or by the close of an outer section: that one reports it.
      this.pendingUnclosed.push(me);
      return { kind: 'section', name: tag.name, args, rawArgs, children, loc };
    }
    const close = tagInfo(closeTok);
    const endLoc = this.tokLoc(closeTok);
    this.flushUnclosed(endLoc, close.name);
    this.checkCloseShape(close, endLoc);
    return { kind: 'section', name: tag.name, args, rawArgs, children, loc, endLoc };
  }

  /** Report the sections that an outer close (or EOF) ended without their own close. */
  private flushUnclosed(closeLoc: Loc | undefined, closeName: string): void {
    const inner = this.pendingUnclosed[0];
    if (!inner) return;
    if (closeLoc) {
      // The message names the section that was left open, so no "was not closed" for it (httpd reports only this).
      this.report(
        'TSP_SYNTAX_MISMATCHED_CLOSE',
        'error',
        `Expected </${inner.name}> but saw </${closeName}>`,
        closeLoc,
      );
    } else {
      for (const s of this.pendingUnclosed) {
        this.report('TSP_SYNTAX_UNCLOSED', 'error', `<${s.name}> was not closed.`, s.loc);
      }
    }
    this.pendingUnclosed = [];
  }

  /** `</Name>` must be one word ending in '>'; anything after it is ignored by httpd. */
  private checkCloseShape(close: TagInfo, loc: Loc): boolean {
    this.checkNul(close.ll);
    if (!close.first.text.endsWith('>')) {
      // httpd: cmd_name + "> directive missing closing '>'" (so `</Location foo>` is this error too).
      this.report('TSP_SYNTAX_MISSING_GT', 'error', `</${close.name}> directive missing closing '>'`, loc);
      return false;
    }
    const after = skipSpace(close.ll.text, close.first.end);
    if (after < close.ll.text.length) {
      this.report(
        'TSP_SYNTAX_TRAILING_TEXT',
        'warning',
        `Text after </${close.name}> is ignored by httpd: ${JSON.stringify(close.ll.text.slice(after))}`,
        this.locAt(close.ll, after),
      );
    }
    return true;
  }

  private strayClose(tok: IToken): void {
    const close = tagInfo(tok);
    const loc = this.tokLoc(tok);
    const code = close.name === '' ? 'TSP_SYNTAX_STRAY' : undefined;
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      // httpd: cmd_name " without matching <" cmd_name+2 " section" (cmd_name as written).
      const w = close.first.text;
      this.report(code ?? 'TSP_SYNTAX_UNMATCHED_CLOSE', 'error', `${w} without matching <${w.slice(2)} section`, loc);
      return;
    }
    // Inside a section, a close matching no open section: reported and ignored.
    const shapeOk = this.checkCloseShape(close, loc);
    if (shapeOk || close.name !== '') {
      this.report(code ?? 'TSP_SYNTAX_MISMATCHED_CLOSE', 'error', `Expected </${top.name}> but saw </${close.name}>`, loc);
    }
  }
}

/** The CST keys that matter to the tree (Comment and blankLine do not). */
const KINDS = ['Directive', 'section', 'strayClose', 'StrayGt', 'StrayLt'] as const;

function offsetOf(child: CstNode | IToken): number {
  return 'image' in child ? child.startOffset : (child.children['OpenTag']![0] as IToken).startOffset;
}

function first(toks: readonly unknown[] | undefined): IToken | undefined {
  return toks?.[0] as IToken | undefined;
}

/** Build the syntax tree of a configFile CST; diagnostics are appended to `diags` (unsorted). */
export function toTree(cst: CstNode, file: string, diags: Diagnostic[]): SyntaxNode[] {
  const b = new TreeBuilder(file);
  const nodes = b.build(cst);
  diags.push(...b.diags);
  return nodes;
}
