// chevrotain, loaded from the single-file build the package ships (lib/chevrotain.mjs) instead of its package
// entry. The entry loads several hundred small ES modules (lodash-es), which costs ~0.4 s at every start of
// `tsproxyd --check`; the bundled build is the same library (same version, same package) and loads in ~20 ms.
// The package's "exports" map does not list the bundle, so it is found next to the resolved entry.
// Every grammar file imports chevrotain's values from here, so only one copy is ever loaded.
type Chevrotain = typeof import('chevrotain');

const entry = import.meta.resolve('chevrotain'); // …/chevrotain/lib/src/api.js
const chevrotain = (await import(new URL('../chevrotain.mjs', entry).href)) as Chevrotain;

export const { createToken, Lexer, EmbeddedActionsParser, createSyntaxDiagramsCode } = chevrotain;
export type { ILexingResult, IToken, TokenType } from 'chevrotain';
