// Small value parsers shared by directive tables (httpd's ap_set_*_slot family). Each returns the value or an
// error message string, never throws.

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

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

/** Levenshtein distance, for did-you-mean suggestions (short strings only). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a small distance, case-insensitively, or undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
