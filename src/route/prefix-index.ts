// The ProxyPass list of one server as an index, so that the cost of a request does not grow with the number of
// rules, while the answer stays exactly that of httpd's linear walk: the FIRST rule in config order that matches.
//
// Prefix rules. alias_match (match-prefix.ts) treats any run of '/' as one '/', so with runs collapsed in both the
// rule and the path, a prefix P matches a path U exactly when P is U's first k chars and either P ends in '/', or
// k is U's length, or U[k] is '/'. So only the prefixes of U that end just before or just after a '/' (or at U's
// end) can match: one map lookup each, and only for lengths some rule has. The map keeps the earliest rule per
// collapsed prefix; the earliest among the hits wins.
//
// Regex rules cannot be indexed, nor can prefix rules whose path is interpolated per request (ProxyPassInterpolateEnv);
// they keep their order. Such a "linear" rule only matters if it stands before the earliest matching prefix rule, so
// the walk tries the linear rules in order and stops at that index.

/** What the index needs of a rule. */
export interface IndexedRule {
  readonly kind: 'prefix' | 'regex';
  /** The prefix (prefix rules). */
  readonly path: string;
  readonly regex: RegExp | undefined;
  /** Matched per request with its own path (interpolated): never indexed. */
  readonly interpolate?: boolean;
}

export interface PrefixIndex {
  /** collapsed prefix → the earliest rule index with it */
  readonly first: ReadonlyMap<string, number>;
  /** the lengths of `first`'s keys */
  readonly lengths: ReadonlySet<number>;
  /** indices of the rules tried one by one (regex and interpolated rules), in order */
  readonly linearRules: readonly number[];
}

/** Runs of '/' are equal for matching. */
export function collapseSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

export function buildPrefixIndex(rules: readonly IndexedRule[]): PrefixIndex {
  const first = new Map<string, number>();
  const lengths = new Set<number>();
  const linearRules: number[] = [];
  rules.forEach((r, i) => {
    if (r.kind === 'regex' || r.interpolate === true) {
      linearRules.push(i);
      return;
    }
    // An empty prefix never matches (httpd's alias_match returns 0, which means "no match").
    if (r.path === '') return;
    const key = collapseSlashes(r.path);
    if (!first.has(key)) {
      first.set(key, i);
      lengths.add(key.length);
    }
  });
  return { first, lengths, linearRules };
}

export interface Lookup {
  /** The index of the earliest prefix rule matching the path, or -1. */
  readonly rule: number;
  /** How many map entries were probed (for tests: it must not grow with the number of rules). */
  readonly probes: number;
}

/** The earliest prefix rule that matches `uri` (a decoded, normalised path). */
export function earliestPrefix(index: PrefixIndex, uri: string): Lookup {
  const path = collapseSlashes(uri);
  let best = -1;
  let probes = 0;
  const probe = (len: number): void => {
    if (!index.lengths.has(len)) return;
    probes++;
    const hit = index.first.get(len === path.length ? path : path.slice(0, len));
    if (hit !== undefined && (best < 0 || hit < best)) best = hit;
  };
  for (let i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) !== 47) continue;
    if (i > 0) probe(i); // a prefix ending just before this '/'
    probe(i + 1); // a prefix ending with this '/'
  }
  if (path.length > 0 && path.charCodeAt(path.length - 1) !== 47) probe(path.length);
  return { rule: best, probes };
}
