// The typed model mod_rewrite's directives compile into (httpd's rewrite_server_conf, rewrite_perdir_conf,
// rewriterule_entry, rewritecond_entry, rewritemap_entry). Regexes are compiled once, at config time.
import type { Loc } from '../../../grammar/ast.js';
import type { ExprNode } from './expr.js';

/** [CO=NAME:VALUE:domain[:lifetime[:path[:secure[:httponly[:samesite]]]]]]; fields may hold $N/%N/%{VAR}. */
export interface CookieSpec {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  /** Minutes; undefined = session cookie. */
  readonly lifetime?: string;
  readonly path?: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** undefined or '0'/'false' = no SameSite attribute. */
  readonly sameSite?: string;
  /** The flag's value as written: httpd expands it whole, then splits it (src/rewrite/cookie.ts). */
  readonly raw: string;
}

/** [E=VAR:VAL] sets, [E=!VAR] unsets. VAL may hold backreferences. */
export interface EnvAction {
  readonly name: string;
  readonly value?: string;
  readonly unset: boolean;
  /** The flag's value as written: httpd expands it whole, then splits it at the first ':'. */
  readonly raw: string;
}

export interface RuleFlags {
  /** [B] / [B=chars]: escape backreferences (all non-alphanumerics, or only `chars`). */
  escapeBackrefs?: { readonly chars?: string };
  escapeNoPlus: boolean; // [BNP]
  escapeControls: boolean; // [BCTLS]
  noEscapeChars?: string; // [BNE=chars]
  chain: boolean; // [C]
  cookies: CookieSpec[]; // [CO=…]
  discardPathInfo: boolean; // [DPI]
  env: EnvAction[]; // [E=…]
  end: boolean; // [END]
  /** A forced response status ([F] 403, [G] 410, [R=4xx/5xx…]): no substitution, processing stops. */
  status?: number;
  handler?: string; // [H=…]
  last: boolean; // [L]
  /** [N] / [N=max]: restart the ruleset; httpd's REWRITE_MAX_ROUNDS is 32000. */
  next?: { readonly maxRounds: number };
  noCase: boolean; // [NC]
  noEscape: boolean; // [NE]
  noSubreq: boolean; // [NS]
  proxy: boolean; // [P]
  passThrough: boolean; // [PT]
  qsAppend: boolean; // [QSA]
  qsDiscard: boolean; // [QSD]
  qsLast: boolean; // [QSL]
  /** [R] / [R=3xx|permanent|temp|seeother]: external redirect with this status (302 by default). */
  redirect?: number;
  skip: number; // [S=n]
  type?: string; // [T=…]
  unsafeAllow3F: boolean;
  unsafePrefixStat: boolean;
  unc: boolean;
}

export interface CondFlags {
  noCase: boolean; // [NC]
  orNext: boolean; // [OR]
  noVary: boolean; // [NV]
}

export type StringOp = '<' | '>' | '=' | '<=' | '>=';
export type IntOp = 'eq' | 'lt' | 'le' | 'gt' | 'ge'; // -ne is stored as negated eq, as httpd does
export type FileTest = 'd' | 'f' | 's' | 'l' | 'x' | 'U' | 'F'; // -L and -h are stored as 'l'

export type CondPattern =
  | { readonly kind: 'regex'; readonly re: RegExp; readonly source: string }
  | { readonly kind: 'string'; readonly op: StringOp; readonly value: string }
  | { readonly kind: 'int'; readonly op: IntOp; readonly value: string }
  | { readonly kind: 'file'; readonly test: FileTest }
  | { readonly kind: 'expr'; readonly source: string; readonly node: ExprNode };

export interface RewriteCond {
  /** TestString with %<X> already turned into %{X}; expanded per request. */
  readonly testString: string;
  readonly pattern: CondPattern;
  readonly negate: boolean;
  readonly flags: CondFlags;
  readonly loc: Loc;
}

/** What the substitution is, as httpd's is_absolute_uri() and apply_rewrite_rule() see it. */
export type SubstitutionKind =
  | 'none' // '-'
  | 'absolute' // scheme://… or mailto:, unix: …
  | 'url-path' // '/…'
  | 'dynamic' // starts with $N, %N, %{…} or ${…}: only known per request
  | 'relative'; // anything else (per-directory: RewriteBase is prefixed)

export interface Substitution {
  readonly text: string;
  readonly kind: SubstitutionKind;
  /** Lower-cased scheme for 'absolute'. */
  readonly scheme?: string;
}

export interface RewriteRule {
  readonly pattern: RegExp;
  readonly source: string; // as written, without a leading '!'
  readonly negate: boolean;
  readonly groups: number;
  readonly substitution: Substitution;
  readonly flags: RuleFlags;
  readonly conds: readonly RewriteCond[];
  readonly loc: Loc;
  /** What the engine checks before the regex (shortcut.ts). */
  readonly shortcut: RuleShortcut;
}

export interface RuleShortcut {
  /** The literal text the pattern requires at the start of the URL ('' when none; lower-cased with [NC]). */
  readonly prefix: string;
  /** [NC]: the prefix is compared without regard to ASCII case. */
  readonly caseless: boolean;
  /** The first condition may be tested before the pattern (it cannot depend on it). */
  readonly precheck: boolean;
}

export type RewriteOption =
  | 'Inherit'
  | 'InheritBefore'
  | 'InheritDown'
  | 'InheritDownBefore'
  | 'IgnoreInherit'
  | 'AllowNoSlash'
  | 'AllowAnyURI'
  | 'MergeBase'
  | 'IgnoreContextInfo'
  | 'LegacyPrefixDocRoot'
  | 'UnsafePrefixStat';

export type MapType = 'txt' | 'rnd' | 'dbm' | 'int' | 'prg';
export type InternalMap = 'toupper' | 'tolower' | 'escape' | 'unescape';

export interface RewriteMapDef {
  readonly name: string;
  readonly type: MapType;
  /** Resolved file (txt, rnd, dbm) or program (prg, argv[0]). */
  readonly file?: string;
  readonly dbmType?: string;
  readonly func?: InternalMap;
  /** prg: the whole command line, split like apr_tokenize_to_argv. */
  readonly argv?: readonly string[];
  readonly user?: string;
  readonly group?: string;
  readonly loc: Loc;
}

/** One rule list: the server's (or vhost's) or a per-directory section's. */
export interface RewriteScope {
  engine?: boolean;
  options: Set<RewriteOption>;
  rules: RewriteRule[];
  /** RewriteConds waiting for the next RewriteRule in this scope. */
  pendingConds: RewriteCond[];
  base?: string; // RewriteBase (per-directory only)
}

export interface RewriteServerConf extends RewriteScope {
  maps: Map<string, RewriteMapDef>;
}

export type RewriteDirConf = RewriteScope;

export function newScope(): RewriteScope {
  return { options: new Set(), rules: [], pendingConds: [] };
}

export function newRuleFlags(): RuleFlags {
  return {
    escapeNoPlus: false,
    escapeControls: false,
    chain: false,
    cookies: [],
    discardPathInfo: false,
    env: [],
    end: false,
    last: false,
    noCase: false,
    noEscape: false,
    noSubreq: false,
    proxy: false,
    passThrough: false,
    qsAppend: false,
    qsDiscard: false,
    qsLast: false,
    skip: 0,
    unsafeAllow3F: false,
    unsafePrefixStat: false,
    unc: false,
  };
}
