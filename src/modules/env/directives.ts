// mod_env and mod_setenvif: environment variables that steer mod_proxy (proxy-nokeepalive, no-proxy,
// force-proxy-request-1.0 …) and logging.
import { compilePcre } from '../../config/regex.js';
import { warnIfReDoS } from '../../config/regex-safety.js';
import { SVD } from '../../config/rows.js';
import type { DirectiveDef, ModuleDef } from '../../config/types.js';

export interface EnvConf {
  readonly set: { name: string; value: string }[];
  readonly unset: string[];
  readonly pass: string[];
}

export interface SetEnvIfRule {
  readonly attribute: string;
  readonly regex: RegExp | undefined; // undefined for SetEnvIfExpr
  readonly expr?: string;
  readonly assignments: readonly string[];
}

const newEnv = (): EnvConf => ({ set: [], unset: [], pass: [] });

export const envModule: ModuleDef<EnvConf, EnvConf> = {
  name: 'env',
  id: 'env_module',
  source: 'mod_env.c',
  createServer: newEnv,
  createDir: newEnv,
  directives: [
    {
      name: 'SetEnv',
      args: 'TAKE12',
      where: SVD,
      help: 'an environment variable name and optional value to pass to CGI.',
      apply: (c, [name, value]) => void (c.dir ?? c.server).set.push({ name: name!, value: value ?? '' }),
    },
    { name: 'UnsetEnv', args: 'ITERATE', where: SVD, help: 'a list of variables to remove from the CGI environment.', apply: (c, [n]) => void (c.dir ?? c.server).unset.push(n!) },
    { name: 'PassEnv', args: 'ITERATE', where: SVD, help: 'a list of environment variables to pass to CGI.', apply: (c, [n]) => void (c.dir ?? c.server).pass.push(n!) },
  ],
};

function setEnvIf(name: string, nocase: boolean, fixedAttribute?: string): DirectiveDef<SetEnvIfRule[], SetEnvIfRule[]> {
  return {
    name,
    args: fixedAttribute ? 'ITERATE2' : 'TAKE_ARGV',
    where: SVD,
    help: fixedAttribute ? 'A browser regex and a list of variables.' : 'A header-name, regex and a list of variables.',
    apply(c, words, at) {
      const [attribute, pattern, ...assignments] = fixedAttribute ? [fixedAttribute, ...words] : words;
      if (pattern === undefined || assignments.length === 0) return `${name} requires at least three arguments`;
      const re = compilePcre(pattern, { nocase });
      if (!re.ok) return `${name} regex could not be compiled. (${re.error})`;
      warnIfReDoS(pattern, at);
      (c.dir ?? c.server).push({ attribute: attribute!, regex: re.re, assignments });
    },
  };
}

export const setEnvIfModule: ModuleDef<SetEnvIfRule[], SetEnvIfRule[]> = {
  name: 'setenvif',
  id: 'setenvif_module',
  source: 'mod_setenvif.c',
  createServer: () => [],
  createDir: () => [],
  directives: [
    setEnvIf('SetEnvIf', false),
    setEnvIf('SetEnvIfNoCase', true),
    {
      name: 'SetEnvIfExpr',
      args: 'TAKE_ARGV',
      where: SVD,
      help: 'an expression followed by a list of variables',
      apply(c, [expr, ...assignments]) {
        if (expr === undefined || assignments.length === 0) return 'SetEnvIfExpr requires at least two arguments';
        (c.dir ?? c.server).push({ attribute: '', regex: undefined, expr, assignments });
      },
    },
    { ...setEnvIf('BrowserMatch', false, 'User-Agent'), args: 'TAKE_ARGV' },
    { ...setEnvIf('BrowserMatchNoCase', true, 'User-Agent'), args: 'TAKE_ARGV' },
  ],
};
