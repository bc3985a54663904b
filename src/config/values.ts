// Small value parsers shared by directive tables (httpd's ap_set_*_slot family). Each returns the value or an
// error message string, never throws.

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * httpd's apr_isspace (C isspace in the "C" locale): space, \t, \n, \v, \f, \r only. Not JavaScript's \s or
 * String.prototype.trim(), which also take U+00A0 (byte 0xA0 of a latin1-read file), U+FEFF and other Unicode
 * blanks that httpd keeps as word characters.
 */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** trim() with httpd's blanks only (see isSpace). */
export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** On|Off, case-insensitive (httpd FLAG). */
export function parseOnOff(word: string, directive: string): Parsed<boolean> {
  const w = word.toLowerCase();
  if (w === 'on') return ok(true);
  if (w === 'off') return ok(false);
  return bad(`${directive} must be On or Off`);
}

/** A whole non-negative decimal number; `what` names it in the message. */
export function parseCount(word: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): Parsed<number> {
  if (!/^\d+$/.test(word)) return bad(`${what} must be a number, not '${word}'`);
  const n = Number(word);
  if (n < min || n > max) return bad(`${what} must be between ${min} and ${max}, not ${word}`);
  return ok(n);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, mi: 60_000, hr: 3_600_000 };

/**
 * httpd's ap_timeout_parameter_parse: a number with an optional unit (ms, s, mi, hr), seconds by default.
 * Returns milliseconds.
 */
export function parseDuration(word: string, what: string, defaultUnit: 'ms' | 's' = 's'): Parsed<number> {
  const m = /^(\d+)(ms|s|mi|hr)?$/i.exec(word);
  if (!m) return bad(`${what}: '${word}' is not a time (a number, optionally followed by ms, s, mi or hr)`);
  const unit = (m[2] ?? defaultUnit).toLowerCase();
  return ok(Number(m[1]) * (UNIT_MS[unit] ?? 1000));
}

/** One of a fixed set of words, case-insensitive; returns the canonical spelling. */
export function parseEnum<T extends string>(word: string, choices: readonly T[], what: string): Parsed<T> {
  const hit = choices.find((c) => c.toLowerCase() === word.toLowerCase());
  if (hit !== undefined) return ok(hit);
  return bad(`${what} must be one of ${choices.join(', ')}, not '${word}'`);
}

/**
 * Levenshtein distance, for did-you-mean suggestions. With `limit`, stops as soon as the distance is known to be
 * at least `limit` and returns `limit` (so a hopeless candidate costs little).
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      const v = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev[j] = v;
      if (v < rowMin) rowMin = v;
      diag = up;
    }
    if (rowMin >= limit) return limit;
  }
  return Math.min(prev[b.length]!, limit);
}

/** Names longer than this get no suggestion (no directive name is near; the distance would only cost time). */
const MAX_SUGGEST_LENGTH = 64;

/** The closest candidate within a small distance, case-insensitively, or undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const c of candidates) {
    // The distance is at least the difference in length: such a candidate cannot beat the best.
    if (Math.abs(c.length - w.length) >= bestD) continue;
    const d = editDistance(w, c.toLowerCase(), bestD);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
