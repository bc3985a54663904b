// httpd's regexes are PCRE2 (8-bit, no UTF). compilePcre() turns one into a JavaScript RegExp that matches the same
// strings, or refuses it: syntax that JavaScript would read differently (or not at all) is an error, never a silent
// difference. Translations are made only where the JavaScript form is exactly equivalent.
//
// Flags. httpd 2.4 compiles every regex with RegexDefaultOptions "DOTALL DOLLAR_ENDONLY" (AP_REG_DEFAULT), so:
//  - '.' matches a newline too: we always set the 's' flag (CVE-2020-1927 depends on this);
//  - '$' matches only at the very end. JavaScript's '$' without 'm' behaves the same. (Plain PCRE, without
//    DOLLAR_ENDONLY, would also match before a final newline; httpd turns that off, and so do we.)
//  - We never set 'u': PCRE without UTF works on bytes, and JavaScript without 'u' works on UTF-16 code units, so
//    \d \w \b and ASCII classes agree. They can disagree on non-ASCII input: JavaScript's \s also matches U+00A0, U+FEFF
//    and the Unicode spaces, and case-insensitive matching follows JavaScript's toUpperCase rules, while httpd
//    compares bytes under the C locale. Request paths that reach a regex are ASCII after %-decoding in practice.
//  - A backreference to a group that did not take part in the match fails in PCRE but matches the empty string in
//    JavaScript; forward references (\2 before group 2 opens) are refused, other cases are documented here.
//  - PCRE2 10.42 (the version httpd links on Debian 12) reads "{,n}" literally, as JavaScript does.

export type PcreResult =
  | { ok: true; re: RegExp; groups: number; names: readonly string[] }
  | { ok: false; error: string };

export interface PcreOptions {
  readonly nocase?: boolean;
}

/** POSIX classes: the JavaScript class body for each (C locale, as httpd's PCRE2 sees bytes). */
const POSIX: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\x0B\\f\\r ',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1F\\x7F',
  print: '\\x20-\\x7E',
  graph: '\\x21-\\x7E',
  ascii: '\\x00-\\x7F',
};
/** Negated POSIX classes that have an exact one-escape JavaScript form. */
const POSIX_NEG: Readonly<Record<string, string>> = { digit: '\\D', word: '\\W' };

/** Escapes that mean the same in both engines (outside and inside classes). */
const SAME_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'n', 'r', 't', 'f']);
/** Escapes translated to an exact equivalent: [outside a class, inside a class or undefined when not allowed]. */
const TRANSLATED: Readonly<Record<string, readonly [string, string | undefined]>> = {
  a: ['\\x07', '\\x07'],
  e: ['\\x1B', '\\x1B'],
  h: ['[\\t \\xA0]', '\\t \\xA0'], // horizontal space, 8-bit mode
  H: ['[^\\t \\xA0]', undefined],
  v: ['[\\n\\x0B\\f\\r\\x85]', '\\n\\x0B\\f\\r\\x85'], // PCRE \v is a class; JavaScript's is one character
  V: ['[^\\n\\x0B\\f\\r\\x85]', undefined],
  A: ['^', undefined], // start of subject (we never use the 'm' flag)
  z: ['$', undefined], // end of subject (DOLLAR_ENDONLY-like '$' in JavaScript)
  Z: ['(?=\\n?$)', undefined], // end of subject or before a final newline
};
/** Escapes refused with a reason. */
const REFUSED: Readonly<Record<string, string>> = {
  G: '\\G (start of match) is PCRE-only',
  K: '\\K (reset match start) is PCRE-only',
  R: '\\R (atomic newline sequence) is PCRE-only',
  X: '\\X (extended grapheme cluster) is PCRE-only',
  C: '\\C (single code unit) is PCRE-only',
  N: '\\N (non-newline) is PCRE-only',
  p: '\\p{…} Unicode properties need the u flag in JavaScript, which would change other escapes',
  P: '\\P{…} Unicode properties need the u flag in JavaScript, which would change other escapes',
  Q: '\\Q…\\E quoting is PCRE-only; escape the characters instead',
  E: '\\E without \\Q is PCRE-only',
  o: '\\o{…} octal escapes are refused; use \\xhh',
  c: '\\c control escapes differ between PCRE and JavaScript',
  u: '\\u is not an escape in PCRE',
};

class Refusal {
  constructor(readonly reason: string) {}
}

function hex2(n: number): string {
  return `\\x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Translates one pattern; throws Refusal. */
class Translator {
  private i = 0;
  private out = '';
  private groups = 0;
  private readonly names: string[] = [];
  private readonly backrefs: { n?: number; name?: string }[] = [];
  flags = '';

  constructor(private readonly p: string) {}

  run(): { source: string; groups: number; names: string[] } {
    const lead = /^\(\?([is]+)\)/.exec(this.p);
    if (lead) {
      if (lead[1]!.includes('i')) this.flags += 'i';
      this.i = lead[0].length;
    }
    while (this.i < this.p.length) this.atom();
    for (const b of this.backrefs) {
      if (b.n !== undefined && b.n > this.groups) throw new Refusal(`reference to non-existent subpattern ${b.n}`);
      if (b.name !== undefined && !this.names.includes(b.name)) {
        throw new Refusal(`reference to non-existent subpattern '${b.name}'`);
      }
    }
    return { source: this.out, groups: this.groups, names: this.names };
  }

  private atom(): void {
    const c = this.p[this.i]!;
    if (c === '\\') return this.escape(false);
    if (c === '[') return this.charClass();
    if (c === '(') return this.group();
    if (c === '*' || c === '+' || c === '?') return this.quantifier(c.length);
    if (c === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(this.p.slice(this.i));
      if (m) return this.quantifier(m[0].length);
    }
    this.out += c;
    this.i++;
  }

  private quantifier(len: number): void {
    this.out += this.p.slice(this.i, this.i + len);
    this.i += len;
    if (this.p[this.i] === '+') throw new Refusal('possessive quantifiers (a++, a*+, a{n}+) are PCRE-only; JavaScript would read them differently');
    if (this.p[this.i] === '?') {
      this.out += '?';
      this.i++;
    }
  }

  private group(): void {
    const rest = this.p.slice(this.i);
    const named = /^\((?:\?P?<([A-Za-z_]\w*)>|\?'([A-Za-z_]\w*)')/.exec(rest);
    if (named) {
      const name = named[1] ?? named[2]!;
      if (this.names.includes(name)) throw new Refusal(`two named subpatterns have the same name '${name}'`);
      this.names.push(name);
      this.groups++;
      this.out += `(?<${name}>`;
      this.i += named[0].length;
      return;
    }
    const nameRef = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest);
    if (nameRef) return this.backref(nameRef[0].length, { name: nameRef[1]! });
    if (rest.startsWith('(?#')) {
      const end = this.p.indexOf(')', this.i);
      if (end < 0) throw new Refusal('missing ) after (?# comment');
      this.i = end + 1; // comment: dropped
      return;
    }
    if (/^\((?:\?[:=!]|\?<[=!]|(?!\?|\*))/.test(rest)) {
      if (!rest.startsWith('(?')) this.groups++;
      const len = rest.startsWith('(?<') ? 4 : rest.startsWith('(?') ? 3 : 1;
      this.out += rest.slice(0, len);
      this.i += len;
      return;
    }
    throw new Refusal(groupRefusal(rest));
  }

  private backref(len: number, ref: { n?: number; name?: string }): void {
    if (ref.n !== undefined && ref.n > this.groups) {
      throw new Refusal(`forward reference \\${ref.n}: a reference to a group not yet opened behaves differently in JavaScript`);
    }
    this.backrefs.push(ref);
    this.out += ref.n !== undefined ? `\\${ref.n}` : `\\k<${ref.name}>`;
    this.i += len;
  }

  /** Handles the escape at this.i; inside a class the result must be class-body text. */
  private escape(inClass: boolean): void {
    const rest = this.p.slice(this.i);
    const c = rest[1];
    if (c === undefined) throw new Refusal('\\ at end of pattern');
    const x = /^\\x(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{0,2}))/.exec(rest);
    if (x) {
      const v = parseInt(x[1] ?? (x[2] || '0'), 16);
      if (v > 0xff) throw new Refusal(`\\x{${x[1]}} is above 0xFF, which needs UTF mode (the u flag), which httpd does not use`);
      this.out += hex2(v);
      this.i += x[0].length;
      return;
    }
    if (!inClass) {
      const g = /^\\(?:g\{?(-?\d+)\}?|g\{([A-Za-z_]\w*)\}|k<([A-Za-z_]\w*)>|k'([A-Za-z_]\w*)'|k\{([A-Za-z_]\w*)\}|([1-9]\d*))/.exec(rest);
      if (g) {
        const name = g[2] ?? g[3] ?? g[4] ?? g[5];
        if (name !== undefined) return this.backref(g[0].length, { name });
        let n = Number(g[1] ?? g[6]);
        if (g[1]?.startsWith('-')) n = this.groups + 1 + n;
        if (g[6] !== undefined && n >= 10 && n > this.groups) throw new Refusal(`\\${g[6]} would be an octal escape; use \\xhh`);
        if (n < 1) throw new Refusal(`invalid group reference ${g[0]}`);
        return this.backref(g[0].length, { n });
      }
    }
    if (/[0-9]/.test(c)) throw new Refusal(`octal escape \\${c}… is refused; use \\xhh`);
    if (/[A-Za-z]/.test(c)) {
      this.i += 2;
      if (SAME_ESCAPES.has(c) || (c === 'b' && inClass) || ((c === 'b' || c === 'B') && !inClass)) {
        this.out += `\\${c}`;
        return;
      }
      const t = TRANSLATED[c];
      if (t !== undefined) {
        const s = inClass ? t[1] : t[0];
        if (s === undefined) throw new Refusal(`\\${c} is not allowed inside a character class here`);
        this.out += s;
        return;
      }
      throw new Refusal(REFUSED[c] ?? `\\${c} is not a PCRE escape (JavaScript would read it as a plain '${c}')`);
    }
    this.out += rest.slice(0, 2); // escaped punctuation: literal in both
    this.i += 2;
  }

  private charClass(): void {
    const start = this.i;
    const posixOutside = /^\[([:=.])\^?\w+\1\]/.exec(this.p.slice(this.i));
    if (posixOutside) throw new Refusal(`POSIX class ${posixOutside[0]} is only valid inside a bracket expression, e.g. [${posixOutside[0]}]`);
    this.i++;
    this.out += '[';
    if (this.p[this.i] === '^') {
      this.out += '^';
      this.i++;
    }
    if (this.p[this.i] === ']') {
      this.out += '\\]'; // a leading ']' is literal in PCRE; JavaScript would close an empty class
      this.i++;
    }
    for (;;) {
      const c = this.p[this.i];
      if (c === undefined) throw new Refusal(`missing terminating ] for character class at offset ${start}`);
      if (c === ']') break;
      if (c === '\\') {
        this.escape(true);
        continue;
      }
      const posix = /^\[([:=.])(\^?)(\w+)\1\]/.exec(this.p.slice(this.i));
      if (posix) {
        this.out += this.posixClass(posix[1]!, posix[2] === '^', posix[3]!);
        this.i += posix[0].length;
        continue;
      }
      this.out += c;
      this.i++;
    }
    this.out += ']';
    this.i++;
  }

  private posixClass(kind: string, negated: boolean, name: string): string {
    if (kind !== ':') throw new Refusal('POSIX collating elements [.x.] and [=x=] are not supported');
    const body = negated ? POSIX_NEG[name] : POSIX[name];
    if (body !== undefined) return body;
    if (POSIX[name] === undefined) throw new Refusal(`unknown POSIX class name '${name}'`);
    throw new Refusal(`negated POSIX class [:^${name}:] has no exact JavaScript form; negate the whole class instead`);
  }
}

function groupRefusal(rest: string): string {
  if (rest.startsWith('(?>')) return 'atomic groups (?>…) are PCRE-only; JavaScript would read them differently';
  if (rest.startsWith('(?|')) return 'branch-reset groups (?|…) are PCRE-only';
  if (rest.startsWith('(?(')) return 'conditional groups (?(…)…) are PCRE-only';
  if (/^\(\?(?:R|[+-]?\d|&|P>)/.test(rest)) return 'recursion and subroutine calls ((?R), (?1), (?&name), (?P>name)) are PCRE-only';
  if (rest.startsWith('(?C')) return 'callouts (?C…) are PCRE-only';
  if (rest.startsWith('(*')) return 'backtracking verbs and start options (*…) are PCRE-only';
  if (/^\(\?\^?[a-zA-Z-]*[:)]/.test(rest)) {
    return 'inline option settings such as (?i) (?x) (?m) (?-i) are PCRE-only except (?i) or (?s) at the very start';
  }
  return `unrecognized group syntax '${rest.slice(0, 3)}'`;
}

/** Compiles an httpd (PCRE2) regex to an equivalent JavaScript RegExp, or explains why it will not. */
export function compilePcre(pattern: string, opts: PcreOptions = {}): PcreResult {
  const fail = (why: string): PcreResult => ({ ok: false, error: `cannot compile regular expression '${pattern}': ${why}` });
  try {
    const t = new Translator(pattern);
    const { source, groups, names } = t.run();
    const flags = `${opts.nocase || t.flags.includes('i') ? 'i' : ''}s`;
    return { ok: true, re: new RegExp(source, flags), groups, names };
  } catch (e) {
    if (e instanceof Refusal) return fail(e.reason);
    if (e instanceof SyntaxError) return fail(e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ''));
    return fail(String(e));
  }
}

/** The number of capturing groups in a compiled RegExp. */
export function countGroups(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags).exec('')!.length - 1;
}
