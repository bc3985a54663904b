// The semantic actions of the grammar (parser.ts): line tokens -> SyntaxNode[] (ast.ts), with every structural
// diagnostic. The chevrotain parser decides the nesting and calls these methods in source order:
//   - directive(tok) for a directive line;
//   - open(tok) when a section starts, then close(frame, tok) when its own </X> ends it, or unclosed(frame) when
//     an outer section's close (or the end of the file) ends it first;
//   - strayClose/strayGt/strayLt/tooDeep for lines that fit nowhere.
//
// Messages mirror httpd 2.4 (server/config.c ap_build_config_sub /
// ap_build_config, core.c section handlers), checked with `apache2 -t`.
//
// This is the hot path of `tsproxyd --check` on big configs: words are scanned with words.ts scanWord() (no
// intermediate objects) and located without temporary position objects.

import type { IToken } from './chevrotain.js';
import type { Diagnostic, DirectiveNode, Loc, SectionNode, Severity, SyntaxNode, Word } from './ast.js';
import { tagInfo, type TagInfo } from './lexer.js';
import { isSpace, logicalLine, newScratchLine, nextWord, scanned, scanWord, skipSpace, type LogicalLine } from './words.js';

const INVALID_CMD = ', perhaps misspelled or defined by a module not included in the server configuration';

interface OpenSection {
  readonly name: string;
  readonly loc: Loc;
}

/** A section whose close has not been seen yet. */
export interface Frame extends OpenSection {
  /** name lower-cased, for matching its </Name>. */
  readonly key: string;
  readonly args: Word[];
  readonly rawArgs: string;
  readonly children: SyntaxNode[];
}

export class TreeBuilder {
  readonly diags: Diagnostic[] = [];
  /** Sections (innermost first) that ended without their close because an outer section's close came. */
  private pendingUnclosed: OpenSection[] = [];
  /** The open sections, innermost last, and their lower-cased names. */
  private readonly stack: Frame[] = [];
  private readonly keys: string[] = [];
  /** The LogicalLine directive() reuses for single-line directives. */
  private readonly scratch = newScratchLine();
  /** Set by checkCloseShape: where text after a well-formed `</Name>` starts. */
  private trailing: Loc | undefined;

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

  /** Physical location of a logical offset (words.ts posOf, without the temporary object). */
  private locAt(ll: LogicalLine, offset: number): Loc {
    const s = ll.segs;
    let i = 0;
    // Segments are few (one per continuation); a linear scan is fastest.
    while (i + 3 < s.length && (s[i + 3] as number) <= offset) i += 3;
    return { file: this.file, line: s[i + 1] as number, col: (s[i + 2] as number) + (offset - (s[i] as number)) };
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

  /** The word in words.ts `scanned`, located, reporting an unterminated quote. */
  private word(ll: LogicalLine): Word {
    const w = scanned;
    const loc = this.locAt(ll, w.start);
    if (w.quote === 0) return { text: w.text, loc };
    const quote = w.quote === 34 ? '"' : "'";
    if (w.unterminated) {
      this.report(
        'TSP_SYNTAX_UNTERMINATED_QUOTE',
        'error',
        `Unterminated ${quote}-quoted string (httpd would silently take the rest of the line)`,
        loc,
      );
    }
    return { text: w.text, quote, loc };
  }

  /** The words of ll.text[from, to), located, reporting unterminated quotes. */
  private words(ll: LogicalLine, from: number, to: number): Word[] {
    const out: Word[] = [];
    let pos = from;
    while (scanWord(ll.text, pos, to)) {
      pos = scanned.end;
      out.push(this.word(ll));
    }
    return out;
  }

  /** Lower-cased name of the innermost open section, if any (the parser's gates compare close tags with it). */
  openKeys(): readonly string[] {
    return this.keys;
  }

  /** The end of the file: sections still open were never closed. */
  finish(): void {
    this.flushUnclosed(undefined, '');
  }

  /** An opening tag nested deeper than the parser follows: reported, and read as a line of its parent. */
  tooDeep(tok: IToken, max: number): void {
    this.report(
      'TSP_SYNTAX_TOO_DEEP',
      'error',
      `<${tagInfo(tok).name}> is nested more than ${max} sections deep; tsproxyd does not follow deeper nesting (its close will be reported as stray)`,
      this.tokLoc(tok),
    );
  }

  strayLt(tok: IToken): void {
    this.report(
      'TSP_SYNTAX_STRAY',
      'error',
      `Section tag without a name: httpd reads it as "Invalid command '<'${INVALID_CMD}"`,
      this.tokLoc(tok),
    );
  }

  strayGt(t: IToken): void {
    const ll = logicalLine(t.image, t.startLine ?? 1, t.startColumn ?? 1);
    const w = nextWord(ll.text, 0)?.text ?? '>';
    const cmd = w.endsWith('>') ? w.slice(0, -1) : w; // httpd strips a trailing '>' from the name
    this.report(
      'TSP_SYNTAX_STRAY',
      'error',
      `Stray '>' at the start of a line: httpd reads it as "Invalid command '${cmd}'${INVALID_CMD}"`,
      this.tokLoc(t),
    );
  }

  directive(tok: IToken): DirectiveNode | undefined {
    // The node keeps only strings and Locs of the line, so its LogicalLine can be the reused scratch one.
    const ll = logicalLine(tok.image, tok.startLine ?? 1, tok.startColumn ?? 1, this.scratch);
    this.checkNul(ll);
    const text = ll.text;
    if (!scanWord(text, 0)) return undefined; // only possible when a NUL byte emptied the line
    const headEnd = scanned.end;
    const head = this.word(ll);
    const args: Word[] = [];
    let pos = headEnd;
    while (scanWord(text, pos)) {
      pos = scanned.end;
      args.push(this.word(ll));
    }
    // httpd strips one trailing '>' from a (non-close) directive name: `Define> X 1` is Define.
    const name = head.text.endsWith('>') ? head.text.slice(0, -1) : head.text;
    const rawStart = skipSpace(text, headEnd);
    return {
      kind: 'directive',
      name,
      args,
      rawArgs: rawStart === 0 ? text : text.slice(rawStart),
      loc: head.loc,
    };
  }

  /** An opening tag: its checks and words; the section's frame (now the innermost open section). */
  open(openTok: IToken): Frame {
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
    // Trimmed of ASCII blanks only (apr_isspace), as httpd does.
    let rawEnd = argsEnd;
    while (rawEnd > restStart && isSpace(text.charCodeAt(rawEnd - 1))) rawEnd--;
    const rawArgs = text.slice(restStart, rawEnd);
    const args = this.words(ll, restStart, argsEnd);
    const frame: Frame = { name: tag.name, key: tag.key, loc, args, rawArgs, children: [] };
    this.stack.push(frame);
    this.keys.push(frame.key);
    return frame;
  }

  /** The node of a section that ended without its close (by EOF or by an outer section's close). */
  unclosed(f: Frame): SectionNode {
    this.pop();
    this.pendingUnclosed.push(f);
    return { kind: 'section', name: f.name, args: f.args, rawArgs: f.rawArgs, children: f.children, loc: f.loc };
  }

  private pop(): void {
    this.stack.pop();
    this.keys.pop();
  }

  /** The node of a section closed by `closeTok`, with the checks of the close. */
  close(f: Frame, closeTok: IToken): SectionNode {
    this.pop();
    const close = tagInfo(closeTok);
    const endLoc = this.tokLoc(closeTok);
    this.flushUnclosed(endLoc, close.name);
    this.trailing = undefined;
    this.checkCloseShape(close, endLoc);
    const node: SectionNode = { kind: 'section', name: f.name, args: f.args, rawArgs: f.rawArgs, children: f.children, loc: f.loc, endLoc };
    return this.trailing === undefined ? node : { ...node, endTrailing: this.trailing };
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
      this.trailing = this.locAt(close.ll, after);
      this.report(
        'TSP_SYNTAX_TRAILING_TEXT',
        'warning',
        `Text after </${close.name}> is ignored by httpd: ${JSON.stringify(close.ll.text.slice(after))}`,
        this.trailing,
      );
    }
    return true;
  }

  strayClose(tok: IToken): void {
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

