// httpd's ap_escape_logitem (server/util.c): what may not appear raw in a log line -- control characters, bytes
// outside printable ASCII, '"' and '\' -- becomes \b \n \r \t \v, \" \\, or \xhh (lower-case hex). Strings are byte
// strings (one char per byte); a char above U+00FF is first taken as its UTF-8 bytes.

const HEX = '0123456789abcdef';
const NAMED: Readonly<Record<number, string>> = { 8: '\\b', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 34: '\\"', 92: '\\\\' };

function needsEscape(c: number): boolean {
  return c < 0x20 || c >= 0x7f || c === 34 || c === 92;
}

function escapeByte(c: number): string {
  return NAMED[c] ?? `\\x${HEX[c >> 4]!}${HEX[c & 15]!}`;
}

export function escapeLogItem(s: string): string {
  let i = 0;
  while (i < s.length && !needsEscape(s.charCodeAt(i))) i++;
  if (i === s.length) return s; // the common case: nothing to do, no copy
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      const ch = String.fromCodePoint(s.codePointAt(i)!);
      for (const b of Buffer.from(ch, 'utf8')) out += escapeByte(b);
      i += ch.length - 1;
      continue;
    }
    out += needsEscape(c) ? escapeByte(c) : s[i];
  }
  return out;
}

/** A JS string as log bytes, one char per byte: text with chars above U+00FF (config text, messages) as UTF-8. */
export function byteString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}
