// The generic syntax tree of an httpd config file. It knows no directive names.

export interface Loc {
  readonly file: string;
  /** 1-based physical line (continuation lines keep their own numbers). */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
}

export interface Word {
  /** The word after httpd's unquoting (ap_getword_conf). */
  readonly text: string;
  /** The quote character the word started with, if any. */
  readonly quote?: '"' | "'";
  readonly loc: Loc;
}

export interface DirectiveNode {
  readonly kind: 'directive';
  /** As written; compare case-insensitively. */
  readonly name: string;
  readonly args: readonly Word[];
  /** The logical line after the name (continuations joined, trimmed), as httpd hands RAW_ARGS directives. */
  readonly rawArgs: string;
  readonly loc: Loc;
}

export interface SectionNode {
  readonly kind: 'section';
  /** Without the '<', as written; compare case-insensitively. */
  readonly name: string;
  readonly args: readonly Word[];
  /** Text between the name and the closing '>' of the opening tag, trimmed. */
  readonly rawArgs: string;
  readonly children: readonly SyntaxNode[];
  readonly loc: Loc;
  /** Where the closing </Name> stands; absent when the section was never closed. */
  readonly endLoc?: Loc;
  /**
   * Where non-blank text after the closing `</Name>` starts (`</IfModule> x`); absent when there is none (or the
   * section was never closed). httpd ignores such text for most sections (the grammar warns,
   * TSP_SYNTAX_TRAILING_TEXT at this same Loc), but the body of a TRUE conditional section (<IfModule>,
   * <IfDefine>, <IfFile>, <IfVersion>, <IfDirective>, <IfSection>) is read by ap_build_cont_config, which ends it
   * only at a line that is exactly `</Name>`: for those, httpd fails at the close line with
   * "</Name> without matching <Name> section" (the close tag as written).
   */
  readonly endTrailing?: Loc;
}

export type SyntaxNode = DirectiveNode | SectionNode;

export type Severity = 'error' | 'warning' | 'notice';

/** A problem found in a config, located; every phase reports these as values. */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly loc: Loc;
  /** The include chain that led to loc.file, outermost first (for httpd's nested "Syntax error on line N of F:" form). */
  readonly via?: readonly Loc[];
}

export interface ParseResult {
  readonly nodes: readonly SyntaxNode[];
  readonly diagnostics: readonly Diagnostic[];
}
