// The access rules of one per-directory section, as mod_authz_core builds them (authz_section_conf): a tree of
// containers (<RequireAll>, <RequireAny>, <RequireNone>; the section itself is an implicit <RequireAny>) whose
// leaves are `Require [not] provider args…` lines with their arguments checked and compiled at load.
import type { Loc } from '../../../grammar/ast.js';
import type { Subnet } from '../../authz/ip.js';

/** What a provider tests, compiled once. `unsupported`: accepted (httpd knows it) but not evaluated by tsproxyd. */
export type AuthzTest =
  | { readonly kind: 'all'; readonly granted: boolean }
  | { readonly kind: 'ip'; readonly subnets: readonly Subnet[] }
  | { readonly kind: 'local' }
  | { readonly kind: 'method'; readonly methods: ReadonlySet<string> }
  | { readonly kind: 'unsupported'; readonly provider: string };

export interface AuthzRequire {
  readonly kind: 'require';
  readonly negate: boolean;
  readonly test: AuthzTest;
  /** The line as written after `Require`, for messages. */
  readonly text: string;
  readonly loc: Loc;
}

export interface AuthzContainer {
  readonly kind: 'container';
  /** 'section': the implicit <RequireAny> of a <Location> (or other per-directory section) itself. */
  readonly name: 'RequireAll' | 'RequireAny' | 'RequireNone' | 'section';
  /** httpd's AUTHZ_LOGIC_AND / AUTHZ_LOGIC_OR; <RequireNone> is a negated OR. */
  readonly op: 'and' | 'or';
  readonly negate: boolean;
  readonly children: AuthzNode[];
  readonly loc: Loc;
}

export type AuthzNode = AuthzRequire | AuthzContainer;

/** mod_authz_core's per-directory config (on a section, and on each Require container's own scope). */
export interface AuthzDirConf {
  /** The section's implicit container, or the container this scope is; undefined until a Require is met. */
  node?: AuthzContainer;
  /** AuthMerging (default Off: a later section's rules replace an earlier one's). */
  merging?: 'Off' | 'And' | 'Or';
}
