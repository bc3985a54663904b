// Argument-count checks with httpd's wording (server/config.c invoke_cmd). The only place that knows how many
// words each Arity takes.
import type { Arity } from './types.js';

const BOUNDS: Record<Arity, readonly [min: number, max: number]> = {
  NO_ARGS: [0, 0],
  FLAG: [1, 1],
  TAKE1: [1, 1],
  TAKE2: [2, 2],
  TAKE3: [3, 3],
  TAKE12: [1, 2],
  TAKE13: [1, 3],
  TAKE23: [2, 3],
  TAKE123: [1, 3],
  ITERATE: [1, Infinity],
  ITERATE2: [2, Infinity],
  TAKE_ARGV: [0, Infinity],
  RAW_ARGS: [0, Infinity],
};

const PHRASE: Record<Arity, string> = {
  NO_ARGS: 'takes no arguments',
  FLAG: 'must be On or Off',
  TAKE1: 'takes one argument',
  TAKE2: 'takes two arguments',
  TAKE3: 'takes three arguments',
  TAKE12: 'takes 1-2 arguments',
  TAKE13: 'takes one or three arguments',
  TAKE23: 'takes two or three arguments',
  TAKE123: 'takes one, two or three arguments',
  ITERATE: 'requires at least one argument',
  ITERATE2: 'requires at least two arguments',
  TAKE_ARGV: '',
  RAW_ARGS: '',
};

/** httpd's message for a wrong number of words, or undefined when `count` fits. */
export function arityError(name: string, arity: Arity, count: number, help: string): string | undefined {
  const [min, max] = BOUNDS[arity];
  const fits = arity === 'TAKE13' ? count === 1 || count === 3 : count >= min && count <= max;
  if (fits) return undefined;
  if (arity === 'FLAG') return `${name} ${PHRASE.FLAG}`;
  return `${name} ${PHRASE[arity]}${help ? `, ${help}` : ''}`;
}
