// mod_proxy_hcheck's directives (modules/proxy/mod_proxy_hcheck.c, httpd 2.4.71): ProxyHCExpr, ProxyHCTemplate and
// ProxyHCTPsize, and the per-server tables the hc* worker keys (worker-params.ts) look names up in. As in httpd the
// tables belong to the server they are written in (a <VirtualHost> does not see the main server's: hc_create_config
// has no merge), names are case-insensitive, and a name must be defined before a key uses it.
// The checks themselves run in src/balancer/hcheck-runner.ts.
import { S, SVD } from '../../config/rows.js';
import { serverConf, type DirectiveDef, type ModuleDef, type Site } from '../../config/types.js';
import { atoi } from '../shared/files.js';
import { compileHcCondition, type HcCondition } from '../../balancer/hcheck-cond.js';
import { isHcKey, setParam, type ParamContext, type WorkerParams } from './worker-params.js';

export interface HcheckServerConf {
  /** ProxyHCExpr by lower-case name (a later definition replaces an earlier one, as apr_table_setn). */
  readonly conditions: Map<string, HcCondition>;
  /** ProxyHCTemplate by lower-case name (the first definition wins, as httpd's array search). */
  readonly templates: Map<string, Readonly<WorkerParams>>;
  /** ProxyHCTPsize: how many checks run at once (0: one at a time). */
  tpsize?: number;
}

/** hc_create_config's template defaults: method 1 (TCP), one pass, one fail, 30 s, no uri, no expr. */
const TEMPLATE_DEFAULTS: Readonly<WorkerParams> = {
  hcmethod: 'TCP',
  hcintervalMs: 30_000,
  hcpasses: 1,
  hcfails: 1,
  hcuri: undefined,
  hcexpr: undefined,
};

/** ap_getword_conf (and, with `braces`, ap_getword_conf2's {…} quoting): one word of `s` from `at`, and where the next begins. */
export function confWord(s: string, at: number, braces = false): { word: string; next: number } {
  let i = at;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  const open = s[i];
  let word: string;
  if (open === '"' || open === "'" || (braces && open === '{')) {
    const close = open === '{' ? '}' : open;
    let depth = 1;
    let j = i + 1;
    word = '';
    for (; j < s.length; j++) {
      const c = s[j]!;
      if (c === '\\' && (s[j + 1] === close || s[j + 1] === '\\') && open !== '{') {
        word += s[++j];
        continue;
      }
      if (open === '{' && c === '{') depth++;
      else if (c === close && --depth === 0) break;
      word += c;
    }
    i = j < s.length ? j + 1 : j;
  } else {
    const start = i;
    while (i < s.length && !/\s/.test(s[i]!)) i++;
    word = s.slice(start, i);
  }
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return { word, next: i };
}

const hcConf = (at: Site): HcheckServerConf => serverConf(at.server, proxyHcheckModule);

/** What the hc* keys of a ProxyPass, BalancerMember or ProxySet line look up: the tables of the server it stands in. */
export function hcParamContext(at: Site): ParamContext {
  const conf = hcConf(at);
  return {
    hcCondition: (name) => conf.conditions.has(name.toLowerCase()),
    hcTemplate: (name) => conf.templates.get(name.toLowerCase()),
    warn: (message) => at.report('warning', message, undefined, 'TSP_CONF_TSPROXYD_ONLY'),
  };
}

/** The condition a worker's hcexpr names, resolved in the server the worker is defined in. */
export function hcConditionFor(at: Site, params: Readonly<WorkerParams>): HcCondition | undefined {
  return params.hcexpr === undefined ? undefined : hcConf(at).conditions.get(params.hcexpr.toLowerCase());
}

type HcheckRow = DirectiveDef<HcheckServerConf, Record<string, never>>;

/** ProxyHCExpr and ProxyHCTemplate: OR_FILEINFO RAW_ARGS rows (allowed in sections too; the tables stay the server's). */
const rawRow = (name: string, help: string, apply: HcheckRow['apply']): HcheckRow => ({ name, args: 'RAW_ARGS', where: SVD, help, apply });

export const proxyHcheckModule: ModuleDef<HcheckServerConf, Record<string, never>> = {
  name: 'proxy_hcheck',
  id: 'proxy_hcheck_module',
  source: 'mod_proxy_hcheck.c',
  createServer: () => ({ conditions: new Map(), templates: new Map() }),
  createDir: () => ({}),
  directives: [
    rawRow('ProxyHCExpr', 'Define a health check condition ruleset expression', (conf, _words, at) => {
      const name = confWord(at.rawArgs, 0);
      if (name.word === '') return 'Missing expression name for ProxyHCExpr';
      if (name.word.length > 15) return 'Expression name limited to 15 characters';
      const expr = confWord(at.rawArgs, name.next, true);
      if (expr.word === '') return 'Missing expression for ProxyHCExpr';
      const c = compileHcCondition(name.word, expr.word);
      if (!c.ok) return c.error;
      conf.server.conditions.set(name.word.toLowerCase(), c.cond);
      if (expr.next < at.rawArgs.length) return 'error: extra parameter(s)';
    }),
    rawRow('ProxyHCTemplate', 'Health check template', (conf, _words, at) => {
      let w = confWord(at.rawArgs, 0);
      const name = w.word;
      if (name === '') return 'Missing template name for ProxyHCTemplate';
      const template: WorkerParams = { ...TEMPLATE_DEFAULTS };
      const ctx = hcParamContext(at);
      while (w.next < at.rawArgs.length) {
        w = confWord(at.rawArgs, w.next);
        const eq = w.word.indexOf('=');
        if (eq < 0) return "Invalid ProxyHCTemplate parameter. Parameter must be in the form 'key=value'";
        const [key, value] = [w.word.slice(0, eq), w.word.slice(eq + 1)];
        const err = isHcKey(key) ? setParam('worker', template, key, value, ctx) : 'unknown Worker hcheck parameter';
        if (err !== undefined) return `ProxyHCTemplate: ${err} ${key}=${value}; ${name}`;
      }
      if (!conf.server.templates.has(name.toLowerCase())) conf.server.templates.set(name.toLowerCase(), template);
    }),
    {
      name: 'ProxyHCTPsize',
      args: 'TAKE1',
      where: S,
      help: 'Set size of health check thread pool',
      apply(conf, [w]) {
        const n = atoi(w!);
        if (n < 0) return 'Invalid ProxyHCTPsize parameter. Parameter must be >= 0';
        conf.server.tpsize = n;
      },
    },
  ],
};
