// A check-time warning for regexes that can backtrack catastrophically on a hostile request path (ReDoS): an
// unbounded repetition of a group whose own last element is an unbounded repetition, e.g. ^(a+)+$, (.*)*x or
// (\w+)*$. Groups that end in a literal, such as ([a-z0-9-]+\.)*, are delimited and left alone. JavaScript's
// engine backtracks like PCRE, so httpd has the same exposure; it just says nothing.
import type { Word } from '../../grammar/ast.js';
import type { Site } from './types.js';

const UNBOUNDED_BRACE = /^\{\d*,\}/;
/** The shape needs a group directly followed by a repetition; most patterns have none and skip the scan. */
const GROUP_REPEATED = /\)\??[*+{]/;

/** A warning when `source` has the nested-repetition shape, else undefined. */
export function nestedQuantifier(source: string): string | undefined {
  if (!GROUP_REPEATED.test(source)) return undefined;
  // For each open group: where it starts and whether its latest element is an unbounded repetition.
  const open: { start: number; endsUnbounded: boolean }[] = [];
  let closed: { start: number; end: number; endsUnbounded: boolean } | undefined; // a group that just closed
  let inClass = false;
  const markLast = (unbounded: boolean) => {
    const g = open[open.length - 1];
    if (g) g.endsUnbounded = unbounded;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (inClass) {
      if (c === '\\') i++;
      else if (c === ']') inClass = false;
      continue;
    }
    const unbounded = c === '*' || c === '+' || (c === '{' && UNBOUNDED_BRACE.test(source.slice(i, i + 12)));
    if (unbounded) {
      if (closed?.endsUnbounded) {
        const shape = source.slice(closed.start, closed.end + 1) + c;
        return `'${shape}' repeats a group that ends in a repetition: a crafted request path can make it take exponential time (ReDoS); bound one of the two repetitions`;
      }
      markLast(true);
      closed = undefined;
      continue;
    }
    if (c === '?' && closed !== undefined) continue; // (x)? keeps the group as the element just seen
    closed = undefined;
    if (c === '\\') {
      i++;
      markLast(false);
    } else if (c === '[') {
      inClass = true;
      if (source[i + 1] === ']') i++;
      markLast(false);
    } else if (c === '(') {
      open.push({ start: i, endsUnbounded: false });
    } else if (c === ')') {
      const g = open.pop();
      if (g) {
        closed = { ...g, end: i };
        markLast(g.endsUnbounded);
      }
    } else if (c === '|') {
      markLast(false);
    } else if (c !== '?' && c !== '^' && c !== '$' && c !== ':' && c !== '=' && c !== '!') {
      markLast(false);
    }
  }
  return undefined;
}

/** Reports nestedQuantifier()'s warning for a regex about to be matched against request data. */
export function warnIfReDoS(source: string, at: Pick<Site, 'report'>, word?: Word): void {
  const why = nestedQuantifier(source);
  if (why !== undefined) at.report('warning', why, word, 'TSP_REGEX_REDOS');
}
