// What the engine can tell about a RewriteRule before running its regex, worked out once at load: the literal text
// its pattern requires at the start of the URL, and whether its first condition can be tested before the pattern.
// A long rule list stays cheap for the paths its rules are not about.
import type { RewriteCond, RuleShortcut } from './model.js';

const META = new Set([...'\\^$.|?*+()[]{}']);
const QUANTIFIER = new Set([...'?*+{']);

/**
 * The literal prefix of an anchored pattern ("^/api/v1/(.*)" → "/api/v1/"; lower-cased with [NC]); '' when there is
 * none (unanchored, negated, an alternation anywhere, since "^/a|^/b" can match without the first branch's text).
 */
export function literalPrefix(source: string, negate: boolean, noCase: boolean): string {
  let text = '';
  if (!negate && source.startsWith('^') && !source.includes('|')) {
    for (let i = 1; i < source.length; i++) {
      const c = source[i]!;
      if (QUANTIFIER.has(c)) {
        text = text.slice(0, -1);
        break;
      }
      if (META.has(c)) break;
      text += c;
    }
  }
  // A case-insensitive RegExp folds some non-ASCII letters too: such a prefix is not used.
  if (noCase && /[^\x00-\x7f]/.test(text)) return '';
  return noCase ? text.toLowerCase() : text;
}

/**
 * Can this condition be tested before its rule's pattern? Only when the answer cannot depend on the pattern's match
 * or on an earlier rule's: no $N, %N or map lookup in its test string (a map lookup may ask a program), not a
 * file test or expr, not part of an [OR] run.
 */
export function independentCond(c: RewriteCond): boolean {
  return (c.pattern.kind === 'regex' || c.pattern.kind === 'string' || c.pattern.kind === 'int') && !c.flags.orNext && !/\$|%[0-9]/.test(c.testString);
}

export function ruleShortcut(source: string, negate: boolean, noCase: boolean, conds: readonly RewriteCond[]): RuleShortcut {
  return { prefix: literalPrefix(source, negate, noCase), caseless: noCase, precheck: conds.length > 0 && independentCond(conds[0]!) };
}
