// mod_rewrite's command table (mod_rewrite.c), compiled into the typed model in model.ts. Messages are httpd
// 2.4.71's (checked with `apache2 -t`); tsproxyd adds warnings where httpd is silent but the config is suspicious.
import { describeRewrite } from './describe.js';
import type { Diagnostic } from '../../../grammar/ast.js';
import { compilePcre } from '../../config/regex.js';
import type { ConfigModel, DirScope, ModuleDef, Site } from '../../config/types.js';
import { parseOnOff } from '../../config/values.js';
import { COND_FLAGS, parseFlagField, RULE_FLAGS } from './flags.js';
import { parseRewriteMap } from './maps.js';
import { newRuleFlags, newScope } from './model.js';
import type { CondFlags, RewriteDirConf, RewriteOption, RewriteScope, RewriteServerConf } from './model.js';
import { classifySubstitution, parseArgLine, parseCondPattern } from './parse.js';
import { warnIfReDoS } from '../../config/regex-safety.js';
import { ruleShortcut } from './shortcut.js';

type Conf = { server: RewriteServerConf; dir: RewriteDirConf | undefined };

const OPTIONS: readonly RewriteOption[] = [
  'Inherit', 'InheritBefore', 'InheritDown', 'InheritDownBefore', 'IgnoreInherit', 'AllowNoSlash', 'AllowAnyURI',
  'MergeBase', 'IgnoreContextInfo', 'LegacyPrefixDocRoot', 'UnsafePrefixStat',
];

const scopeOf = (conf: Conf): RewriteScope => conf.dir ?? conf.server;
const warner = (at: Site, prefix: string) => (m: string) => at.report('warning', `${prefix}: ${m}`);

/** `%<HTTP:Upgrade>` → `%{HTTP:Upgrade}`: a tsproxyd-only spelling (httpd would compare the literal text). */
function fixAngleVars(test: string, at: Site): string {
  const fixed = test.replace(/%<([A-Za-z0-9_:-]+)>/g, '%{$1}');
  if (fixed !== test) {
    at.report('warning', `RewriteCond: '${test}' is tsproxyd's spelling of '${fixed}'; httpd would read it literally`, at.words[0]);
  }
  return fixed;
}

function rewriteCond(conf: Conf, at: Site): string | undefined {
  const line = parseArgLine(at.rawArgs);
  if (line === undefined) return `RewriteCond: bad argument line '${at.rawArgs}'`;
  if (line.trailing !== '') at.report('warning', `RewriteCond: httpd ignores '${line.trailing}' after the flags`);
  const flags: CondFlags = { noCase: false, orNext: false, noVary: false };
  if (line.a3 !== undefined) {
    const err = parseFlagField(line.a3, COND_FLAGS, flags, warner(at, 'RewriteCond'), false);
    if (err !== undefined) return `RewriteCond: ${err}`;
  }
  const testString = fixAngleVars(line.a1, at);
  const parsed = parseCondPattern(testString, line.a2, flags.noCase);
  if (parsed.ok && parsed.pattern.kind === 'regex') warnIfReDoS(parsed.pattern.source, at);
  if (!parsed.ok) return `RewriteCond: ${parsed.error}`;
  if (parsed.nocaseIgnored) {
    at.report('warning', `RewriteCond: NoCase option for non-regex pattern '${line.a2}' is not supported and will be ignored.`, undefined, 'AH00665');
    flags.noCase = false;
  }
  scopeOf(conf).pendingConds.push({ testString, pattern: parsed.pattern, negate: parsed.negate, flags, loc: at.loc });
  return undefined;
}

function rewriteRule(conf: Conf, at: Site): string | undefined {
  const line = parseArgLine(at.rawArgs);
  if (line === undefined) return `RewriteRule: bad argument line '${at.rawArgs}'`;
  if (line.trailing !== '') at.report('warning', `RewriteRule: httpd ignores '${line.trailing}' after the flags`);
  const flags = newRuleFlags();
  if (line.a3 !== undefined) {
    const err = parseFlagField(line.a3, RULE_FLAGS, flags, warner(at, 'RewriteRule'), true);
    if (err !== undefined) return `RewriteRule: ${err}`;
  }
  const negate = line.a1.startsWith('!');
  const source = negate ? line.a1.slice(1) : line.a1;
  const re = compilePcre(source, { nocase: flags.noCase });
  if (!re.ok) return `RewriteRule: ${re.error}`;
  warnIfReDoS(source, at);
  const substitution = classifySubstitution(line.a2);
  if (flags.proxy && substitution.kind !== 'absolute' && substitution.kind !== 'url-path') {
    at.report(
      'warning',
      `RewriteRule: [P] target '${line.a2}' does not start with a literal scheme://host or /path; a backreference or variable could choose the backend (CVE-2024-39573)`,
    );
  }
  if (negate && /\$[0-9]/.test(line.a2)) {
    at.report('warning', `RewriteRule: a negated pattern captures nothing, so $N in '${line.a2}' is always empty`);
  }
  const scope = scopeOf(conf);
  const conds = scope.pendingConds;
  scope.rules.push({ pattern: re.re, source, negate, groups: re.groups, substitution, flags, conds, loc: at.loc, shortcut: ruleShortcut(source, negate, flags.noCase, conds) });
  scope.pendingConds = [];
  return undefined;
}

/** Per-directory sections whose RewriteRules tsproxyd runs (src/rewrite/fixup.ts): <Location>, <LocationMatch>, <Directory /abs>. */
function rulesRun(dir: DirScope): boolean {
  if (dir.section === 'Location' || dir.section === 'LocationMatch') return true;
  return dir.section === 'Directory' && dir.args.length === 1 && (dir.args[0] ?? '').startsWith('/');
}

function finish(model: ConfigModel, report: (d: Diagnostic) => void): void {
  danglingConds(model, report);
  for (const server of [model.main, ...model.vhosts]) {
    for (const dir of server.dirs) {
      const rules = (dir.confs.get('rewrite') as RewriteScope | undefined)?.rules ?? [];
      if (rules.length === 0 || rulesRun(dir)) continue;
      report({
        code: 'TSP_REWRITE_SECTION_NOT_RUN',
        severity: 'warning',
        message: `RewriteRule in <${dir.section}${dir.args.length > 0 ? ` ${dir.args.join(' ')}` : ''}> is not run by tsproxyd: it runs the rules of <Location>, <LocationMatch> and <Directory /absolute/path> sections only`,
        loc: rules[0]!.loc,
      });
    }
  }
}

function danglingConds(model: ConfigModel, report: (d: Diagnostic) => void): void {
  const scopes: (RewriteScope | undefined)[] = [];
  for (const server of [model.main, ...model.vhosts]) {
    scopes.push(server.confs.get('rewrite') as RewriteScope | undefined);
    for (const dir of server.dirs) scopes.push(dir.confs.get('rewrite') as RewriteScope | undefined);
  }
  for (const scope of scopes) {
    for (const cond of scope?.pendingConds ?? []) {
      report({
        code: 'TSP_REWRITE_DANGLING_COND',
        severity: 'warning',
        message: 'RewriteCond is not followed by a RewriteRule in the same section; it applies to nothing (httpd ignores it silently)',
        loc: cond.loc,
      });
    }
  }
}

export const rewriteModule: ModuleDef<RewriteServerConf, RewriteDirConf> = {
  name: 'rewrite',
  id: 'rewrite_module',
  source: 'mod_rewrite.c',
  createServer: () => ({ ...newScope(), maps: new Map() }),
  createDir: newScope,
  finish,
  describe: describeRewrite,
  directives: [
    {
      name: 'RewriteEngine',
      args: 'FLAG',
      where: ['server', 'vhost', 'dir'],
      help: 'On or Off to enable or disable (default) the whole rewriting engine',
      apply(conf, [word = ''], at) {
        const v = parseOnOff(word, at.name);
        if (!v.ok) return 'RewriteEngine must be On or Off';
        scopeOf(conf).engine = v.value;
        return undefined;
      },
    },
    {
      name: 'RewriteOptions',
      args: 'ITERATE',
      where: ['server', 'vhost', 'dir'],
      help: 'List of option strings to set',
      apply(conf, [word = ''], at) {
        if (/^MaxRedirects=/i.test(word)) {
          at.report(
            'warning',
            'RewriteOptions: MaxRedirects option has been removed in favor of the global LimitInternalRecursion directive and will be ignored.',
            undefined,
            'AH00664',
          );
          return undefined;
        }
        const opt = OPTIONS.find((o) => o.toLowerCase() === word.toLowerCase());
        if (opt === undefined) return `RewriteOptions: unknown option '${word}'`;
        scopeOf(conf).options.add(opt);
        return undefined;
      },
    },
    {
      name: 'RewriteBase',
      args: 'TAKE1',
      where: ['server', 'vhost', 'dir'],
      help: 'the base URL of the per-directory context',
      apply(conf, [base = '']) {
        if (conf.dir === undefined) return 'RewriteBase: only valid in per-directory config files';
        if (base === '') return 'RewriteBase: empty URL not allowed';
        if (!base.startsWith('/')) return 'RewriteBase: argument is not a valid URL';
        conf.dir.base = base;
        return undefined;
      },
    },
    {
      name: 'RewriteCond',
      args: 'RAW_ARGS',
      where: ['server', 'vhost', 'dir'],
      help: 'an input string and a to be applied regexp-pattern',
      apply: (conf, _args, at) => rewriteCond(conf, at),
    },
    {
      name: 'RewriteRule',
      args: 'RAW_ARGS',
      where: ['server', 'vhost', 'dir'],
      help: 'an URL-applied regexp-pattern and a substitution URL',
      apply: (conf, _args, at) => rewriteRule(conf, at),
    },
    {
      name: 'RewriteMap',
      args: 'TAKE23',
      where: ['server', 'vhost'],
      help: 'a mapname and a filename and options',
      apply(conf, args, at) {
        const map = parseRewriteMap(args, at.model.serverRoot, at.loc);
        if (typeof map === 'string') return map;
        conf.server.maps.set(map.name, map);
        return undefined;
      },
    },
  ],
};
