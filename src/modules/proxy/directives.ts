// mod_proxy's directives as table rows (modules/proxy/mod_proxy.c proxy_cmds).
import { acceptRow, flagRow, SV, SVD, valueRow } from '../../config/rows.js';
import { serverConf, type DirectiveDef, type ModuleDef, type SectionDef, type Site } from '../../config/types.js';
import { compilePcre } from '../../config/regex.js';
import { warnIfReDoS } from '../../config/regex-safety.js';
import { parseEnum, parseOnOff } from '../../config/values.js';
import { balancerMember, ensureBalancer, proxySet } from './balancer.js';
import { describeProxy } from './describe.js';
import { warnShadowedRoutes } from './shadow.js';
import { parsePass } from './pass.js';
import type { ProxyDirConf, ProxyRoute, ProxyServerConf } from './types.js';

const PASS_NOT_IN = ['Directory', 'Files', 'If', 'Proxy'] as const;

const TSPROXYD_ONLY_PROXY =
  "the one-line 'Proxy PATH URL' is tsproxyd's spelling of ProxyPass (as written in the mod_proxy_wstunnel text); httpd only knows the <Proxy> container and would reject it";
const TSPROXYD_ONLY_PROXYMATCH =
  "the one-line 'ProxyMatch REGEX URL' is tsproxyd's spelling of ProxyPassMatch; httpd only knows the <ProxyMatch> container and would reject it";

function passRow(name: ProxyRoute['spelling'], help: string, tsproxydOnly?: string): DirectiveDef<ProxyServerConf, ProxyDirConf> {
  return {
    name,
    args: 'RAW_ARGS',
    where: SVD,
    notIn: PASS_NOT_IN,
    help,
    ...(tsproxydOnly ? { tsproxydOnly } : {}),
    apply(conf, words, at) {
      const r = parsePass(words, at, name);
      if (!r.ok) return r.error;
      if (r.route.inLocation && conf.dir) {
        if (conf.dir.route) at.report('warning', `a second ${name} in this <${at.sections[0]!.name}> replaces the one at line ${conf.dir.route.loc.line} (httpd keeps only one)`);
        conf.dir.route = r.route;
      } else conf.server.routes.push(r.route);
    },
  };
}

function reverseRow(name: string, help: string, list: 'reverse' | 'reverseCookieDomain' | 'reverseCookiePath'): DirectiveDef<ProxyServerConf, ProxyDirConf> {
  return {
    name,
    args: 'TAKE123',
    where: SVD,
    help,
    apply(conf, words, at) {
      const inLocation = at.sections[0]?.cls === 'Location';
      const rest = words.filter((w) => w.toLowerCase() !== 'interpolate');
      const interpolate = rest.length !== words.length;
      let from: string;
      let to: string | undefined;
      if (list === 'reverse') {
        if (inLocation) [to, from] = [rest[0], at.sections[0]!.args[0]?.text ?? ''];
        else [from, to] = [rest[0] ?? '', rest[1]];
        if (to === undefined) return `${name} needs a path when not defined in a location`;
        if (rest.length > (inLocation ? 1 : 2)) return `${name} takes at most ${inLocation ? 'one URL' : 'a path and a URL'} (and 'interpolate')`;
        const target = conf.dir ?? conf.server;
        target.reverse.push({ path: from, url: to, interpolate, loc: at.loc });
        return;
      }
      if (rest.length !== 2) return `${name} takes two arguments (and optionally 'interpolate')`;
      (conf.dir ?? conf.server)[list].push({ from: rest[0]!, to: rest[1]!, interpolate, loc: at.loc });
    },
  };
}

function errorOverride(): DirectiveDef<ProxyServerConf, ProxyDirConf> {
  return {
    name: 'ProxyErrorOverride',
    args: 'TAKE_ARGV',
    where: SVD,
    help: 'use our error handling pages instead of the servers',
    apply(conf, words) {
      const [onoff, ...codes] = words;
      if (onoff === undefined || !/^(on|off)$/i.test(onoff)) return 'ProxyErrorOverride must be On or Off';
      const list: number[] = [];
      for (const c of codes) {
        const n = Number(c);
        if (!/^\d{3}$/.test(c) || n < 400 || n > 599) return `ProxyErrorOverride: status code '${c}' must be between 400 and 599`;
        list.push(n);
      }
      (conf.dir ?? conf.server).errorOverride = { on: /^on$/i.test(onoff), codes: list };
    },
  };
}

function proxySectionCheck(matchForm: boolean) {
  return (args: readonly string[], at: Site): string | undefined => {
    if (args.length !== 1) return `<${matchForm ? 'ProxyMatch' : 'Proxy'}> takes one argument`;
    const arg = args[0]!;
    if (matchForm) {
      const c = compilePcre(arg);
      if (!c.ok) return `Regex could not be compiled (${c.error})`;
      warnIfReDoS(arg, at);
      return undefined;
    }
    const m = /^balancer:\/\/([^/?#]+)/i.exec(arg.replace(/^proxy:/i, ''));
    if (m) ensureBalancer(serverConf(at.server, proxyModule), m[1]!.toLowerCase(), at);
    return undefined;
  };
}

const sections: SectionDef[] = [
  { name: 'Proxy', cls: 'Proxy', where: SV, opens: 'dir', help: 'Container for directives affecting resources located in the proxied location', check: proxySectionCheck(false) },
  { name: 'ProxyMatch', cls: 'Proxy', where: SV, opens: 'dir', help: 'Container for directives affecting resources located in the proxied location, in regular expression syntax', check: proxySectionCheck(true) },
];

const onOffEnum = <T extends string>(name: string, choices: readonly T[]) => (w: string) => parseEnum(w, choices, name);

export const proxyModule: ModuleDef<ProxyServerConf, ProxyDirConf> = {
  name: 'proxy',
  id: 'proxy_module',
  source: 'mod_proxy.c',
  createServer: () => ({
    routes: [],
    reverse: [],
    reverseCookieDomain: [],
    reverseCookiePath: [],
    balancers: new Map(),
    workerParams: new Map(),
  }),
  createDir: () => ({ reverse: [], reverseCookieDomain: [], reverseCookiePath: [] }),
  sections,
  directives: [
    passRow('ProxyPass', 'a virtual path and a URL'),
    passRow('ProxyPassMatch', 'a virtual path and a URL'),
    passRow('Proxy', 'a virtual path and a URL (tsproxyd\'s one-line spelling of ProxyPass)', TSPROXYD_ONLY_PROXY),
    passRow('ProxyMatch', 'a regex and a URL (tsproxyd\'s one-line spelling of ProxyPassMatch)', TSPROXYD_ONLY_PROXYMATCH),
    reverseRow('ProxyPassReverse', 'a virtual path and a URL for reverse proxy behaviour', 'reverse'),
    reverseRow('ProxyPassReverseCookieDomain', 'a domain name and a replacement domain name', 'reverseCookieDomain'),
    reverseRow('ProxyPassReverseCookiePath', 'a path and a replacement path', 'reverseCookiePath'),
    flagRow('ProxyPreserveHost', SVD, 'on if we should preserve host header while proxying', (c: ProxyServerConf | ProxyDirConf, on) => (c.preserveHost = on), 'dir-or-server'),
    flagRow('ProxyAddHeaders', SVD, 'on if X-Forwarded-* headers should be added or completed', (c: ProxyServerConf | ProxyDirConf, on) => (c.addHeaders = on), 'dir-or-server'),
    valueRow('ProxyTimeout', SV, 'Set the timeout (in seconds) for a proxied connection. This overrides the server timeout', (w) => {
      const n = Number(w);
      return /^\d+$/.test(w) && n >= 1 ? { ok: true, value: n * 1000 } : { ok: false, error: 'Proxy Timeout must be at least 1 second.' };
    }, (c: ProxyServerConf, ms: number) => (c.timeoutMs = ms)),
    valueRow('ProxyVia', SV, 'Configure Via: proxy header header to one of: on | off | block | full', (w) => {
      const v = parseEnum(w, ['Off', 'On', 'Full', 'Block'] as const, 'ProxyVia');
      return v.ok ? v : { ok: false, error: 'ProxyVia must be one of: off | on | full | block' };
    }, (c: ProxyServerConf, v: 'Off' | 'On' | 'Full' | 'Block') => (c.via = v)),
    flagRow('ProxyRequests', SV, 'on if the true proxy requests should be accepted', (c: ProxyServerConf, on) => {
      c.requests = on;
    }),
    errorOverride(),
    {
      name: 'ProxyPassInherit',
      args: 'FLAG',
      where: SV,
      help: 'Inherit ProxyPass directives defined from the main server',
      apply(conf, [w], at) {
        const v = parseOnOff(w!, 'ProxyPassInherit');
        if (!v.ok) return v.error;
        conf.server.passInherit = v.value;
        // Measured on apache2 2.4.71: a vhost still uses the main server's ProxyPass rules with Off (in the vhost
        // or in the main server); tsproxyd routes the same way and says so.
        if (!v.value) at.report('warning', 'ProxyPassInherit Off has no effect in httpd 2.4.71, and none in tsproxyd: virtual hosts still use the main server\'s ProxyPass rules first', at.words[0]);
      },
    },
    flagRow('ProxyPassInterpolateEnv', SVD, 'Interpolate Env Vars in reverse Proxy', (c: ProxyServerConf | ProxyDirConf, on) => (c.interpolateEnv = on), 'dir-or-server'),
    valueRow('ProxyBadHeader', SV, 'How to handle bad header line in response: IsError | Ignore | StartBody', (w) => {
      const v = parseEnum(w, ['IsError', 'Ignore', 'StartBody'] as const, 'ProxyBadHeader');
      return v.ok ? v : { ok: false, error: 'ProxyBadHeader must be one of: IsError | Ignore | StartBody' };
    }, (c: ProxyServerConf, v: 'IsError' | 'Ignore' | 'StartBody') => (c.badHeader = v)),
    valueRow('ProxyMaxForwards', SV, 'The maximum number of proxies a request may be forwarded through.', (w) => {
      const n = Number(w);
      return /^-?\d+$/.test(w) ? { ok: true, value: n } : { ok: false, error: 'ProxyMaxForwards must be a number' };
    }, (c: ProxyServerConf, n: number) => (c.maxForwards = n)),
    valueRow('ProxyStatus', SV, 'Configure Status: proxy status to one of: on | off | full', onOffEnum('ProxyStatus', ['Off', 'On', 'Full'] as const), (c: ProxyServerConf, v: 'Off' | 'On' | 'Full') => (c.status = v)),
    flagRow('Proxy100Continue', SVD, 'on if 100-Continue should be forwarded to the origin server, off if the proxy should handle it by itself', (c: ProxyServerConf | ProxyDirConf, on) => (c.continue100 = on), 'dir-or-server'),
    valueRow('ProxySourceAddress', SV, 'Configure local source IP used for request forward', (w) => ({ ok: true, value: w }), (c: ProxyServerConf, v: string) => (c.sourceAddress = v)),
    valueRow('ProxyIOBufferSize', SV, 'IO buffer size for outgoing HTTP and FTP connections in bytes', (w) => {
      const n = Number(w);
      return /^\d+$/.test(w) && n >= 512 ? { ok: true, value: n } : { ok: false, error: 'ProxyIOBufferSize must be >= 512 bytes' };
    }, (c: ProxyServerConf, n: number) => (c.ioBufferSize = n)),
    valueRow('ProxyReceiveBufferSize', SV, 'Receive buffer size for outgoing HTTP and FTP connections in bytes', (w) => {
      const n = Number(w);
      return /^\d+$/.test(w) && (n === 0 || n >= 512)
        ? { ok: true, value: n }
        : { ok: false, error: 'ProxyReceiveBufferSize must be >= 512 bytes, or 0 for system default.' };
    }, (c: ProxyServerConf, n: number) => (c.receiveBufferSize = n)),
    balancerMember,
    proxySet,
    acceptRow('BalancerGrowth', 'TAKE1', SV, 'Number of additional Balancers that can be added post-config'),
    acceptRow('BalancerPersist', 'FLAG', SV, 'on if the balancer should persist changes on reboot/restart made via the Balancer Manager'),
    acceptRow('BalancerInherit', 'FLAG', SV, 'on if this server should inherit Balancers and Workers defined in the main server (Setting to off recommended if using the Balancer Manager)'),
    acceptRow('ProxyRemote', 'TAKE2', SV, 'a scheme, partial URL or \'*\' and a proxy server'),
    acceptRow('ProxyRemoteMatch', 'TAKE2', SV, 'a regex pattern and a proxy server'),
    acceptRow('NoProxy', 'ITERATE', SV, 'A list of domains, hosts, or subnets to which the proxy will connect directly'),
    acceptRow('ProxyDomain', 'TAKE1', SV, 'The default intranet domain name (in absence of a domain in the URL)'),
    acceptRow('ProxyBlock', 'ITERATE', SV, 'A list of names, hosts or domains to which the proxy will not connect'),
  ],
  finish: warnShadowedRoutes,
  describe: describeProxy,
};
