// What tsproxyd -S prints for mod_rewrite: the server's rules, which run before any ProxyPass (httpd's
// translate_name hook order), with their conditions and flags.
import type { ServerScope } from '../../config/types.js';
import type { CondPattern, RewriteCond, RewriteRule, RewriteServerConf } from './model.js';

const FLAG_NAMES: readonly [keyof RewriteRule['flags'], string][] = [
  ['proxy', 'P'],
  ['last', 'L'],
  ['end', 'END'],
  ['chain', 'C'],
  ['noCase', 'NC'],
  ['noEscape', 'NE'],
  ['passThrough', 'PT'],
  ['qsAppend', 'QSA'],
  ['qsDiscard', 'QSD'],
];

function flags(r: RewriteRule): string {
  const out: string[] = FLAG_NAMES.filter(([k]) => r.flags[k] === true).map(([, n]) => n);
  if (r.flags.redirect !== undefined) out.push(`R=${r.flags.redirect}`);
  if (r.flags.status !== undefined) out.push(`status=${r.flags.status}`);
  if (r.flags.skip) out.push(`S=${r.flags.skip}`);
  return out.length ? ` [${out.join(',')}]` : '';
}

function pattern(p: CondPattern): string {
  switch (p.kind) {
    case 'regex':
      return `matches ${p.source}`;
    case 'string':
      return `${p.op} "${p.value}"`;
    case 'int':
      return `-${p.op} ${p.value}`;
    case 'file':
      return `is -${p.test}`;
    case 'expr':
      return `expr ${p.source}`;
  }
}

function cond(c: RewriteCond): string {
  const flags = [c.flags.noCase ? 'NC' : '', c.flags.orNext ? 'OR' : ''].filter(Boolean);
  return `    if ${c.testString} ${c.negate ? 'not ' : ''}${pattern(c.pattern)}${flags.length ? ` [${flags.join(',')}]` : ''}  (${c.loc.file}:${c.loc.line})`;
}

export function describeRewrite(scope: ServerScope): string[] {
  const conf = scope.confs.get('rewrite') as RewriteServerConf | undefined;
  if (conf === undefined || conf.rules.length === 0) return [];
  const state = conf.engine ? '' : ' (RewriteEngine is off: these rules do nothing)';
  const out = [`rewrite phase${state}:`];
  for (const r of conf.rules) {
    out.push(`  RewriteRule ${r.negate ? '!' : ''}${r.source} ${r.substitution.text}${flags(r)}  (${r.loc.file}:${r.loc.line})`);
    for (const c of r.conds) out.push(cond(c));
  }
  return out;
}
