// The read and walk phases end to end through loadConfig: preprocessing as httpd does it, context and argument
// checks with httpd's wording, and the order diagnostics come in.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import type { ProxyServerConf } from '../../src/modules/proxy/types.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const dir = makeConfDir();
after(() => dir.remove());

function load(text: string, extra: { defines?: string[]; env?: Record<string, string> } = {}): LoadResult {
  const file = dir.write(`case-${Math.random().toString(36).slice(2)}.conf`, text);
  return loadConfig({ file, serverRoot: dir.root, env: extra.env ?? {}, ...(extra.defines ? { defines: extra.defines } : {}) });
}

function errors(r: LoadResult): string[] {
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.line}: ${d.message}`);
}

function routes(r: LoadResult): string[] {
  const conf = r.model.main.confs.get('proxy') as ProxyServerConf | undefined;
  return (conf?.routes ?? []).map((x) => `${x.path} ${x.target?.raw ?? '!'}`);
}

const errorCases: [name: string, text: string, expected: string[]][] = [
  ['unknown directive with suggestion', 'ProxyPasss / http://b/\n', [
    "1: Invalid command 'ProxyPasss', perhaps misspelled or defined by a module not included in the server configuration (did you mean 'ProxyPass'?)",
  ]],
  ['global-only directive in a vhost', '<VirtualHost *:80>\nListen 81\n</VirtualHost>\n', ['2: Listen cannot occur within <VirtualHost> section']],
  ['server directive in a Location', '<Location />\nProxyTimeout 5\n</Location>\n', ['2: ProxyTimeout not allowed in <Location> context']],
  ['section in the wrong place', '<Location />\n<Location /x>\n</Location>\n</Location>\n', ['2: <Location not allowed in <Location> context']],
  ['vhost in vhost', '<VirtualHost *:80>\n<VirtualHost *:81>\n</VirtualHost>\n</VirtualHost>\n', ['2: <VirtualHost> cannot occur within <VirtualHost> section']],
  ['argument count with help text', 'ProxyTimeout 1 2\n', [
    '1: ProxyTimeout takes one argument, Set the timeout (in seconds) for a proxied connection. This overrides the server timeout',
  ]],
  ['FLAG', 'ProxyPreserveHost maybe\n', ['1: ProxyPreserveHost must be On or Off']],
  ['ProxyPass path inside Location', '<Location /a>\nProxyPass /x http://b/\n</Location>\n', ['2: ProxyPass|ProxyPassMatch can not have a path when defined in a location.']],
  ['ProxyPass in Directory', '<Directory />\nProxyPass / http://b/\n</Directory>\n', ['2: ProxyPass cannot occur within <Directory> section']],
  ['ProxyPass without URL', 'ProxyPass /\n', ['1: ProxyPass|ProxyPassMatch needs a path when not defined in a location']],
  ['unknown worker key', 'ProxyPass / http://b/ foo=1\n', ['1: ProxyPass unknown Worker parameter']],
  ['bad timeout', 'ProxyPass / http://b/ timeout=abc\n', ['1: ProxyPass Timeout must be at least one second']],
  ['long upgrade', 'ProxyPass / http://b/ upgrade=averyveryverylongprotocolname\n', ['1: ProxyPass upgrade protocol length must be < 16 characters']],
  ['relative URL', 'ProxyPass / foo\n', ['1: ProxyPass URL must be absolute!: foo']],
  ['unserved scheme', 'ProxyPass / ajp://b/\n', ["1: ProxyPass scheme 'ajp' needs mod_proxy_ajp, which tsproxyd does not implement (use http, https, ws, wss or balancer)"]],
  ['bad port', 'ProxyPass / http://b:abc/\n', ['1: ProxyPass Unable to parse URL: http://b:abc/']],
  ['bare word parameter', 'ProxyPass / http://b/ fast\n', ["1: Invalid ProxyPass|ProxyPassMatch parameter. Parameter must be in the form 'key=value'."]],
  ['bad lbmethod', 'ProxyPass / balancer://c/ lbmethod=nope\n', ['1: ProxyPass unknown lbmethod']],
  ['worker key on a balancer URL', 'ProxyPass / balancer://c/ retry=5\n', ['1: ProxyPass unknown Balancer parameter']],
  ['bad status flag', 'ProxyPass / http://b/ status=+Q\n', ['1: ProxyPass Unknown status parameter option']],
  ['bad ProxyPassMatch regex', 'ProxyPassMatch ( http://b/\n', ["1: Regular expression could not be compiled. (cannot compile regular expression '(': Unterminated group)"]],
  ['PCRE-only regex', 'ProxyPassMatch ^/(?>a)$ http://b/\n', [
    "1: Regular expression could not be compiled. (cannot compile regular expression '^/(?>a)$': atomic groups (?>…) are PCRE-only; JavaScript would read them differently)",
  ]],
  ['BalancerMember outside Proxy', 'BalancerMember http://a:1\n', ['1: BalancerMember must define balancer name when outside <Proxy > section']],
  ['loadfactor', '<Proxy balancer://c>\nBalancerMember http://a:1 loadfactor=500\n</Proxy>\n', ['2: BalancerMember LoadFactor must be a number between 1..100']],
  ['Listen without port', 'Listen abc\n', ['1: Port must be specified']],
  ['duplicate Listen', 'Listen 8080\nListen 8080\n', ['2: Cannot define multiple Listeners on the same IP:port']],
  ['ServerAlias outside vhost', 'ServerAlias a\n', ['1: ServerAlias only used in <VirtualHost>']],
  ['ServerName port', 'ServerName a:b\n', ['1: The port number "a:b" is outside the appropriate range (i.e., 1..65535).']],
  ['LimitRequestBody', 'LimitRequestBody -1\n', ['1: LimitRequestBody requires a non-negative integer.']],
  ['LocationMatch regex', '<LocationMatch (>\n</LocationMatch>\n', ["1: Regex could not be compiled (cannot compile regular expression '(': Unterminated group)"]],
  ['IfModule without argument', '<IfModule>\n</IfModule>\n', ['1: <IfModule> directive requires additional arguments']],
  ['Define with colon', 'Define a:b\n', ["1: Variable name must not contain ':'"]],
  ['Include missing file', 'Include /nonexistent/x.conf\n', ['1: Could not open configuration file /nonexistent/x.conf: No such file or directory']],
  ['Include wildcard in missing dir', 'Include /nonexistent/*.conf\n', ['1: Include/IncludeOptional: Could not open directory /nonexistent: No such file or directory']],
  ['unknown LoadModule', 'LoadModule php_module modules/libphp.so\n', [
    "1: LoadModule: 'php_module' is not an httpd 2.4 module tsproxyd knows (modules/libphp.so); tsproxyd cannot load .so files: remove the line, or keep it inside <IfModule> for httpd only",
  ]],
  ['module directive before LoadModule', 'DirectoryIndex index.html\n', [
    "1: Invalid command 'DirectoryIndex', perhaps misspelled or defined by a module not included in the server configuration (it belongs to mod_dir.c: add 'LoadModule dir_module …')",
  ]],
  ['ServerRoot must exist', 'ServerRoot /nonexistent/dir\n', ['1: ServerRoot must be a valid directory']],
  ['ignored module directive in wrong context', 'LoadModule authz_core_module m.so\nRequire all granted\n', ['2: Require not allowed here']],
];

for (const [name, text, expected] of errorCases) {
  test(`error: ${name}`, () => assert.deepEqual(errors(load(text)), expected));
}

test('LoadModule of a standard httpd module tsproxyd lacks: a warning, and its directives stay unknown', () => {
  const r = load('LoadModule cache_module modules/mod_cache.so\n<IfModule mod_cache.c>\nCacheEnable disk /\n</IfModule>\nCacheEnable disk /\n');
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.loc.line]),
    [['warning', 1], ['error', 5]],
  );
  assert.match(r.diagnostics[0]!.message, /tsproxyd does not implement cache_module; the line is accepted/);
});

test('<IfModule> compares module names case-sensitively, as httpd', () => {
  const text = (m: string) => `<IfModule ${m}>\nProxyPass / http://b/\n</IfModule>\n`;
  for (const m of ['PROXY_MODULE', 'Mod_Proxy.c', 'proxy']) assert.equal(routes(load(text(m))).length, 0, m);
});

test('structure errors inside a false conditional are reported at its line; warnings there are dropped', () => {
  const r = load('ProxyPass / http://b/\n<IfModule mod_nonexistent.c>\n<Location /x> junk\n</IfModule>\n');
  assert.deepEqual(errors(r), ['2: Expected </Location> but saw </IfModule>']);
  assert.equal(r.diagnostics.length, 1);
});

test('a missing > on an opening tag is found in the walk phase, after structure errors (httpd order)', () => {
  const r = load('<Location /a\nProxyPass http://b/\n</Location>\n</Proxy>\n');
  assert.deepEqual(errors(r).map((e) => e.split(':')[0]), ['4', '1']);
});

test('several errors are all reported, structure errors first as httpd reads them', () => {
  const r = load('ProxyPasss / http://b/\nProxyTimeout x y\n<Location /a>\n');
  assert.deepEqual(errors(r).map((e) => e.split(':')[0]), ['3', '1', '2']);
  assert.equal(r.errors, 3);
});

test('valid configuration: no errors, routes in order, one-line Proxy spelling warned', () => {
  const r = load(
    [
      'Listen 8080',
      'ServerName example.com',
      'ProxyPass /ws/ ws://127.0.0.1:9000/ upgrade=websocket',
      'ProxyMatch ^/(myApp/ws)$ ws://backend:9080/$1',
      'Proxy / http://127.0.0.1:9000/ timeout=5 retry=0',
      '<Proxy balancer://pool>',
      '  BalancerMember http://a:1 route=n1',
      '  BalancerMember http://a:2 route=n2 status=+H',
      '  ProxySet lbmethod=bybusyness stickysession=JSESSIONID',
      '</Proxy>',
    ].join('\n'),
  );
  assert.deepEqual(errors(r), []);
  assert.deepEqual(routes(r), ['/ws/ ws://127.0.0.1:9000/', '^/(myApp/ws)$ ws://backend:9080/$1', '/ http://127.0.0.1:9000/']);
  const warnings = r.diagnostics.filter((d) => d.code === 'TSP_CONF_TSPROXYD_ONLY').map((d) => d.loc.line);
  assert.deepEqual(warnings, [4, 5]);
  const conf = r.model.main.confs.get('proxy') as ProxyServerConf;
  assert.deepEqual(conf.routes[0]!.params.upgrade, ['websocket']);
  assert.equal(conf.routes[2]!.params.timeoutMs, 5000);
  assert.equal(conf.routes[2]!.params.retryMs, 0);
  assert.ok(conf.routes[1]!.regex instanceof RegExp);
  const pool = conf.balancers.get('pool')!;
  assert.deepEqual(pool.members.map((m) => m.params.route), ['n1', 'n2']);
  assert.equal(pool.params.lbmethod, 'bybusyness');
  assert.equal(pool.params.stickysession, 'JSESSIONID');
});

test('upgrade=ANY is stored as * and NONE as NONE, as httpd does', () => {
  const r = load('ProxyPass /a http://b/ upgrade=ANY\nProxyPass /b ws://b/ upgrade=none\n');
  const conf = r.model.main.confs.get('proxy') as ProxyServerConf;
  assert.deepEqual(conf.routes.map((x) => x.params.upgrade), [['*'], ['NONE']]);
});

test('Location ProxyPass takes its path from the section', () => {
  const r = load('<Location /app>\nProxyPass http://b:8080/app timeout=3\n</Location>\n');
  assert.deepEqual(errors(r), []);
  const route = (r.model.main.dirs[0]!.confs.get('proxy') as { route?: { path: string; inLocation: boolean } }).route;
  assert.equal(route?.path, '/app');
  assert.equal(route?.inLocation, true);
});

test('shadowed and impossible ProxyPass rules are warnings, not errors', () => {
  const r = load('ProxyPass / http://a/\nProxyPass /api http://b/\nProxyPass api http://c/\n');
  assert.equal(r.errors, 0);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.code, d.loc.line]),
    [['TSP_ROUTE_SHADOWED', 2], ['TSP_ROUTE_NEVER', 3]],
  );
});

test('a prefix without trailing slash does not shadow a sibling path (/foo vs /foobar)', () => {
  const r = load('ProxyPass /foo http://a/\nProxyPass /foobar http://b/\nProxyPass /foo/x http://c/\n');
  assert.deepEqual(r.diagnostics.map((d) => d.loc.line), [3]);
});

test('Define, ${VAR} from defines then environment, undefined kept with a warning', () => {
  const r = load('Define HOST 127.0.0.1\nProxyPass /a http://${HOST}:${PORT}/ timeout=${T}\n', { env: { PORT: '9000', T: '7' } });
  assert.deepEqual(routes(r), ['/a http://127.0.0.1:9000/']);
  const u = load('ServerAdmin ${NOPE}\n');
  assert.deepEqual(u.diagnostics.map((d) => [d.severity, d.message]), [['warning', 'Config variable ${NOPE} is not defined']]);
});

test('${map:key} is left for RewriteMap', () => {
  const r = load('ServerAdmin ${map:key}\n');
  assert.deepEqual(r.diagnostics, []);
});

test('an expanded variable is split into words as httpd does (expansion before tokenising)', () => {
  const r = load('Define TARGET "/b http://b/"\nProxyPass ${TARGET}\n');
  assert.deepEqual(errors(r), []);
  assert.deepEqual(routes(r), ['/b http://b/']);
});

test('<IfDefine>, -D and UnDefine; false sections are skipped unchecked', () => {
  const text = '<IfDefine USE_B>\nProxyPass / http://b/\n</IfDefine>\n<IfDefine !USE_B>\nProxyPass / http://a/\nBogus x\n</IfDefine>\n';
  assert.deepEqual(routes(load(text, { defines: ['USE_B'] })), ['/ http://b/']);
  assert.deepEqual(errors(load(text)), ["6: Invalid command 'Bogus', perhaps misspelled or defined by a module not included in the server configuration"]);
  assert.deepEqual(routes(load('Define X\nUnDefine X\n<IfDefine X>\nProxyPass / http://b/\n</IfDefine>\n')), []);
});

test('<IfModule> accepts module ids and source names; unknown modules are false', () => {
  const text = (m: string) => `<IfModule ${m}>\nProxyPass / http://b/\n</IfModule>\n`;
  for (const m of ['mod_proxy.c', 'proxy_module', 'mod_rewrite.c', '!mod_nonexistent.c']) assert.equal(routes(load(text(m))).length, 1, m);
  for (const m of ['!mod_proxy.c', 'mod_php7.c', 'dir_module']) assert.equal(routes(load(text(m))).length, 0, m);
  assert.equal(routes(load(`LoadModule dir_module m.so\n${text('dir_module')}`)).length, 1);
});

test('nested conditionals, <IfDirective>, <IfSection>, <IfFile>, <IfVersion>', () => {
  dir.write('present.txt', 'x');
  const r = load(
    [
      '<IfModule mod_proxy.c>',
      '  <IfDirective ProxyPass>',
      '    <IfSection VirtualHost>',
      '      <IfFile present.txt>',
      '        <IfVersion >= 2.4.47>',
      '          ProxyPass / http://b/',
      '        </IfVersion>',
      '      </IfFile>',
      '    </IfSection>',
      '  </IfDirective>',
      '</IfModule>',
      '<IfFile missing.txt>',
      '  ProxyPass /x http://c/',
      '</IfFile>',
    ].join('\n'),
  );
  assert.deepEqual(errors(r), []);
  assert.deepEqual(routes(r), ['/ http://b/']);
});

test('Include: wildcards in order, directories, relative to ServerRoot, IncludeOptional', () => {
  dir.write('inc/b.conf', 'ProxyPass /b http://b/\n');
  dir.write('inc/a.conf', 'ProxyPass /a http://a/\n');
  dir.write('inc/c.txt', 'ProxyPass /c http://c/\n');
  dir.write('tree/x/1.conf', 'ProxyPass /x1 http://x/\n');
  dir.write('tree/y.conf', 'ProxyPass /y http://y/\n');
  assert.deepEqual(routes(load('Include inc/*.conf\n')), ['/a http://a/', '/b http://b/']);
  assert.deepEqual(routes(load('Include tree\n')), ['/x1 http://x/', '/y http://y/']);
  assert.deepEqual(routes(load('IncludeOptional nothing/*.conf\nIncludeOptional none.conf\n')), []);
  assert.deepEqual(errors(load('Include inc/*.nomatch\n')), [`1: Include/IncludeOptional: No matches for the wildcard '*.nomatch' in '${dir.root}/inc', failing`]);
});

test('Include errors are located in the included file, with the chain', () => {
  const inner = dir.write('bad/inner.conf', '\n\nProxyPass / nourl\n');
  const r = load('Include bad/inner.conf\n');
  const d = r.diagnostics.find((x) => x.severity === 'error')!;
  assert.equal(d.loc.file, inner);
  assert.equal(d.loc.line, 3);
  assert.equal(d.via?.length, 1);
  assert.equal(d.via?.[0]?.line, 1);
});

test('Include cycles are reported once, not followed', () => {
  dir.write('cyc/a.conf', 'Include cyc/b.conf\n');
  dir.write('cyc/b.conf', 'ProxyPass /b http://b/\nInclude cyc/a.conf\n');
  const r = load('Include cyc/a.conf\n');
  const cycles = r.diagnostics.filter((d) => d.code === 'TSP_CONF_INCLUDE_CYCLE');
  assert.equal(cycles.length, 1);
  assert.match(cycles[0]!.message, /Include cycle: .*a\.conf is already being read/);
  assert.deepEqual(routes(r), ['/b http://b/']);
});

test('a config including itself is a cycle', () => {
  const file = dir.write('self.conf', 'Include self.conf\n');
  const r = loadConfig({ file, serverRoot: dir.root, env: {} });
  assert.equal(r.diagnostics.filter((d) => d.code === 'TSP_CONF_INCLUDE_CYCLE').length, 1);
});

test('directive names are case-insensitive; section closes too', () => {
  const r = load('proxypass / http://b/\n<LOCATION /x>\nproxyPASS http://c/\n</location>\n');
  assert.deepEqual(errors(r), []);
});

test('virtual hosts collect their own scopes and inherit nothing into the main server', () => {
  const r = load('<VirtualHost *:80>\nServerName a.example\nServerAlias *.a.example b.example\nProxyPass / http://a/\n</VirtualHost>\nProxyPass /m http://m/\n');
  assert.equal(r.model.vhosts.length, 1);
  assert.deepEqual(routes(r), ['/m http://m/']);
  const core = r.model.vhosts[0]!.confs.get('core') as { serverName: { host: string }; serverAliases: string[] };
  assert.equal(core.serverName.host, 'a.example');
  assert.deepEqual(core.serverAliases, ['*.a.example', 'b.example']);
});

test('lax httpd numbers are accepted with a warning (httpd reads garbage as 0)', () => {
  const r = load('Timeout abc\nMaxKeepAliveRequests lots\n');
  assert.equal(r.errors, 0);
  assert.deepEqual(r.diagnostics.map((d) => d.severity), ['warning', 'warning']);
});

test('inside a false conditional only nesting is checked: quotes and missing > are not (httpd skips the text)', () => {
  const r = load('<IfDefine NEVER>\nBogus "x\n<Location /a\n</Location>\n</IfDefine>\n');
  assert.deepEqual(r.diagnostics, []);
});

test('text after the close of a TRUE conditional is an error (httpd); after a false one it is unread; after </Location> a warning', () => {
  const r = load('<IfModule mod_proxy.c>\nProxyPass / http://b/\n</IfModule> x\n<IfModule mod_nope.c>\n</IfModule> y\n<Location /a>\n</Location> z\n');
  assert.deepEqual(errors(r), ['3: </IfModule> without matching <IfModule> section (text after the close of a true <IfModule> is an error in httpd)']);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.loc.line), [7]);
});
