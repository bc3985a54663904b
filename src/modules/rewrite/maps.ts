// RewriteMap MapName MapType:MapSource [MapTypeOptions] — httpd's cmd_rewritemap, including its checks that the map
// file exists (`RewriteMap: file for map NAME not found:PATH`), verified with apache2 2.4.71.
// dbm: maps pass httpd's checks and are then refused: their files are Berkeley DB or GDBM databases (APR's drivers,
// as Debian builds them), which tsproxyd cannot read; the map's source text works unchanged as a txt: map.
import type { Loc } from '../../../grammar/ast.js';
import { serverRootRelative, statPath } from '../shared/files.js';
import type { InternalMap, RewriteMapDef } from './model.js';

const INTERNAL: readonly InternalMap[] = ['toupper', 'tolower', 'escape', 'unescape'];
/** DBM types APR (as Debian builds it) knows, and the file each one stats. */
const DBM_CHECKFILE: Readonly<Record<string, (f: string) => string>> = {
  default: (f) => f,
  gdbm: (f) => f,
  db: (f) => f,
  sdbm: (f) => `${f}.dir`,
};

/** apr_tokenize_to_argv, simplified: words separated by ASCII blanks (apr_isspace), "…" or '…' quoting. */
function tokenize(cmd: string): string[] {
  return [...cmd.matchAll(/"([^"]*)"|'([^']*)'|([^ \t\n\v\f\r]+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

export function parseRewriteMap(args: readonly string[], serverRoot: string, loc: Loc): RewriteMapDef | string {
  const [name = '', spec = '', opt] = args;
  const lower = spec.toLowerCase();
  const prefix = (p: string) => lower.startsWith(p);
  const rooted = (f: string) => serverRootRelative(serverRoot, f);
  let def: RewriteMapDef;
  let checkfile: string | undefined;
  if (prefix('txt:') || prefix('rnd:')) {
    checkfile = rooted(spec.slice(4));
    def = { name, type: prefix('txt:') ? 'txt' : 'rnd', file: checkfile, loc };
  } else if (prefix('dbm')) {
    let dbmType = 'default';
    let file: string | undefined;
    if (spec[3] === ':') file = spec.slice(4);
    else if (spec[3] === '=' && spec.indexOf(':', 4) >= 0) {
      dbmType = spec.slice(4, spec.indexOf(':', 4));
      file = spec.slice(spec.indexOf(':', 4) + 1);
    }
    if (file === undefined) return `RewriteMap: bad map:${spec}`;
    const check = DBM_CHECKFILE[dbmType];
    if (check === undefined) return `RewriteMap: dbm type ${dbmType} is invalid`;
    checkfile = check(rooted(file));
    def = { name, type: 'dbm', file: rooted(file), dbmType, loc };
  } else if (prefix('dbd:') || prefix('fastdbd:')) {
    return 'RewriteMap types dbd and fastdbd require mod_dbd!'; // tsproxyd has no mod_dbd
  } else if (prefix('prg:')) {
    const argv = tokenize(spec.slice(4));
    checkfile = rooted(argv[0] ?? '');
    const [user, group] = opt === undefined ? [] : opt.split(':').filter((s) => s !== '');
    def = { name, type: 'prg', file: checkfile, argv: [checkfile, ...argv.slice(1)], ...(user ? { user } : {}), ...(group ? { group } : {}), loc };
  } else if (prefix('int:')) {
    const func = INTERNAL.find((f) => f === spec.slice(4)); // case-sensitive, as httpd's hash lookup
    if (func === undefined) return `RewriteMap: internal map not found:${spec.slice(4)}`;
    def = { name, type: 'int', func, loc };
  } else {
    checkfile = rooted(spec); // no known type: httpd reads it as a txt map path
    def = { name, type: 'txt', file: checkfile, loc };
  }
  if (checkfile !== undefined && statPath(checkfile).kind === 'missing') {
    return `RewriteMap: file for map ${name} not found:${checkfile}`;
  }
  if (def.type === 'dbm') {
    return `RewriteMap: dbm: maps are not supported by tsproxyd (map ${name}: ${def.dbmType} database files cannot be read); use the text the database was made from as a txt: map`;
  }
  return def;
}
