// Logical lines and httpd's word splitting (server/util.c).
//
//  - logicalLine(): ap_cfg_getline — drop every backslash-[CR]-LF continuation,
//    trim leading/trailing isspace(); keeps a map back to PHYSICAL line/col.
//  - getWords(): ap_getword_conf + substring_conf, word by word, with the
//    offset of each word's first character (the quote for quoted words).

/** C isspace(): space \t \n \v \f \r. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export interface LogicalLine {
  /** The logical line, continuations removed, trimmed. */
  readonly text: string;
  /** Triples (logical offset, physical line, physical col) where a physical segment starts. */
  readonly segs: readonly number[];
  /** Offset in `text` of a NUL byte that cut the line short (httpd stops reading the line there), or -1. */
  readonly nulAt: number;
  /** Physical position of the NUL byte when nulAt >= 0. */
  readonly nulLine: number;
  readonly nulCol: number;
}

/** A reusable LogicalLine for logicalLine()'s common case (one physical line, no NUL): see newScratchLine(). */
export interface ScratchLine extends LogicalLine {
  text: string;
  readonly segs: [number, number, number];
}

export function newScratchLine(): ScratchLine {
  return { text: '', segs: [0, 0, 0], nulAt: -1, nulLine: 0, nulCol: 0 };
}

/** Physical line/col of a logical offset. */
export function posOf(ll: LogicalLine, offset: number): { line: number; col: number } {
  const s = ll.segs;
  let i = 0;
  // Segments are few (one per continuation); a linear scan is fastest.
  while (i + 3 < s.length && (s[i + 3] as number) <= offset) i += 3;
  return { line: s[i + 1] as number, col: (s[i + 2] as number) + (offset - (s[i] as number)) };
}

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && isSpace(s.charCodeAt(e - 1))) e--;
  return e === s.length ? s : s.slice(0, e);
}

/**
 * Build the logical line of a line token. `image` starts at the first non-blank
 * character of the line (the lexer skipped leading blanks and continuations).
 */
export function logicalLine(image: string, line: number, col: number, scratch?: ScratchLine): LogicalLine {
  if (image.indexOf('\\') < 0 && image.indexOf('\0') < 0) {
    if (scratch === undefined) return { text: trimEnd(image), segs: [0, line, col], nulAt: -1, nulLine: 0, nulCol: 0 };
    // The common case, without allocating (the caller keeps nothing of the line but strings).
    scratch.text = trimEnd(image);
    scratch.segs[1] = line;
    scratch.segs[2] = col;
    return scratch;
  }
  const segs: number[] = [0, line, col];
  let out = '';
  let from = 0; // start of the not-yet-copied run in image
  let curLine = line;
  let curCol = col; // physical col of image[lineStart]
  let lineStart = 0;
  let nulAt = -1;
  let nulLine = 0;
  let nulCol = 0;
  for (let i = 0; i < image.length; i++) {
    const c = image.charCodeAt(i);
    if (c === 0) {
      // httpd reads lines with fgets + strlen: the rest of the line is lost.
      out += image.slice(from, i);
      nulAt = out.length;
      nulLine = curLine;
      nulCol = curCol + (i - lineStart);
      from = image.length;
      break;
    }
    if (c === 92 /* \ */) {
      let j = i + 1;
      if (image.charCodeAt(j) === 13) j++;
      if (image.charCodeAt(j) === 10) {
        out += image.slice(from, i);
        from = j + 1;
        i = j;
        curLine++;
        curCol = 1;
        lineStart = j + 1;
        segs.push(out.length, curLine, 1);
      }
    } else if (c === 10) {
      curLine++;
      curCol = 1;
      lineStart = i + 1;
    }
  }
  out += image.slice(from);
  // No leading blanks: the image starts at the line's first non-blank character.
  const text = trimEnd(out);
  if (nulAt > text.length) nulAt = text.length;
  return { text, segs, nulAt, nulLine, nulCol };
}

export interface RawWord {
  /** The word after unquoting. */
  readonly text: string;
  readonly quote?: '"' | "'";
  /** Offset of the word's first character (the quote for quoted words). */
  readonly start: number;
  /** Offset just after the word (after the closing quote). */
  readonly end: number;
  /** True when a quoted word ran to the end of the line without its closing quote. */
  readonly unterminated?: boolean;
}

/** substring_conf: `\\` -> `\`, and inside quotes `\<quote>` -> `<quote>`; everything else is literal. */
function unescape(s: string, quote: number): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 && i + 1 < s.length) {
      const n = s.charCodeAt(i + 1);
      if (n === 92 || (quote !== 0 && n === quote)) {
        out += s[i + 1];
        i++;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

/**
 * The result of the last scanWord() call. One shared object, overwritten by every call, so that
 * splitting a line allocates only the words' texts (callers copy what they keep).
 */
export const scanned = {
  /** The word after unquoting. */
  text: '',
  /** 0, or the char code of the quote the word started with (34 or 39). */
  quote: 0,
  /** Offset of the word's first character (the quote for quoted words). */
  start: 0,
  /** Offset just after the word (after the closing quote). */
  end: 0,
  /** True when a quoted word ran to `to` without its closing quote. */
  unterminated: false,
};

/**
 * One ap_getword_conf step on text[pos, to): skips blanks, then fills `scanned` and returns true, or returns false
 * at the end of the text. Allocates nothing but the word's text.
 */
export function scanWord(text: string, pos: number, to: number = text.length): boolean {
  while (pos < to && isSpace(text.charCodeAt(pos))) pos++;
  if (pos >= to) return false;
  const q = text.charCodeAt(pos);
  const out = scanned;
  out.start = pos;
  if (q === 34 || q === 39) {
    let e = pos + 1;
    let escaped = false;
    while (e < to) {
      const c = text.charCodeAt(e);
      if (c === q) break;
      if (c === 92 && e + 1 < to) {
        const nx = text.charCodeAt(e + 1);
        if (nx === q || nx === 92) {
          escaped = true;
          e += 2;
          continue;
        }
      }
      e++;
    }
    const body = text.slice(pos + 1, e);
    out.text = escaped ? unescape(body, q) : body;
    out.quote = q;
    out.unterminated = e >= to;
    out.end = e < to ? e + 1 : to;
    return true;
  }
  let e = pos;
  let bs = false;
  for (; e < to; e++) {
    const c = text.charCodeAt(e);
    if (c === 32 || (c >= 9 && c <= 13)) break;
    if (c === 92) bs = true;
  }
  const word = text.slice(pos, e);
  out.text = bs ? unescape(word, 0) : word;
  out.quote = 0;
  out.unterminated = false;
  out.end = e;
  return true;
}

function rawWord(): RawWord {
  const s = scanned;
  if (s.quote === 0) return { text: s.text, start: s.start, end: s.end };
  const quote = s.quote === 34 ? '"' : "'";
  return s.unterminated
    ? { text: s.text, quote, start: s.start, end: s.end, unterminated: true }
    : { text: s.text, quote, start: s.start, end: s.end };
}

/** One ap_getword_conf step starting at `pos`. Returns undefined at end of text. */
export function nextWord(text: string, pos: number): RawWord | undefined {
  return scanWord(text, pos) ? rawWord() : undefined;
}

/** All words of text[from, to) (ap_getword_conf until the line is exhausted). */
export function getWords(text: string, from = 0, to = text.length): RawWord[] {
  const words: RawWord[] = [];
  let pos = from;
  while (scanWord(text, pos, to)) {
    words.push(rawWord());
    pos = scanned.end;
  }
  return words;
}

/** Offset of the first non-blank character at or after `pos`. */
export function skipSpace(text: string, pos: number): number {
  while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
  return pos;
}
