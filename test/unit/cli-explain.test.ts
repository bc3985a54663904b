// tsproxyd --explain (src/cli/explain.ts, args.ts): the request described on the command line, the virtual host,
// every rule and condition tried with its input and result, and the decision with the config line that made it.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseArgs } from '../../src/cli/args.js';
import { explain, explainFacts, explainPlan } from '../../src/cli/explain.js';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import type { RequestFacts } from '../../src/route/types.js';
import { planPrograms, PrgPrograms } from '../../src/rewrite/prg.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const FILE = '/nonexistent/site.conf';
const CONF = `Listen 127.0.0.1:8080
ServerName main.test
ProxyPass /app/ http://127.0.0.1:3000/app/
<VirtualHost *:8080>
ServerName www.test
RewriteEngine on
RewriteCond %{HTTP:Upgrade} websocket [NC]
RewriteCond %{HTTP:Connection} upgrade [NC]
RewriteRule ^/ws/(.*) ws://127.0.0.1:9000/$1 [P,L]
RewriteRule ^/old/(.*) /new/$1 [R=301,L]
RewriteRule ^/secret - [F]
RewriteRule ^/a$ /b [C]
RewriteRule ^/b$ /c [PT]
RewriteRule ^/env/(.*) - [E=WHO:$1]
ProxyPass /api/ http://127.0.0.1:3001/
</VirtualHost>
`;

function load(text: string) {
  const r = loadConfig({ file: FILE, text, env: {} });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return { plan: explainPlan(compilePlan(r.model)), sources: r.sources };
}

const site = load(CONF);

async function explained(line: string, headers: string[], text = site): Promise<string> {
  const f = explainFacts(text.plan, { requestLine: line, headers });
  assert.ok(f.ok, f.ok ? '' : f.error);
  return explain(text.plan, f.facts, text.sources, (x) => route(text.plan, x));
}

describe('--explain output', () => {
  test('a WebSocket upgrade through a [P] rule: the conditions, the target, the tunnel and the deciding line', async () => {
    const out = await explained('GET /ws/chat?x=1 HTTP/1.1', ['Host: www.test', 'Upgrade: websocket', 'Connection: Upgrade']);
    assert.equal(
      out,
      [
        'request: GET /ws/chat?x=1 HTTP/1.1 from 127.0.0.1:50000 to 127.0.0.1:8080',
        'server: <VirtualHost *:8080> ServerName www.test, /nonexistent/site.conf:4',
        'rewrite:',
        '  /nonexistent/site.conf:9: RewriteRule ^/ws/(.*) ws://127.0.0.1:9000/$1 [P,L]',
        "      '/ws/chat' against '^/ws/(.*)' => matched ($1='chat')",
        '  /nonexistent/site.conf:7: RewriteCond %{HTTP:Upgrade} websocket [NC]',
        "      'websocket' against 'websocket' [NC] => matched",
        '  /nonexistent/site.conf:8: RewriteCond %{HTTP:Connection} upgrade [NC]',
        "      'Upgrade' against 'upgrade' [NC] => matched",
        '  /nonexistent/site.conf:9: RewriteRule ^/ws/(.*) ws://127.0.0.1:9000/$1 [P,L]',
        "      [P]: proxy to ws://127.0.0.1:9000/chat with query 'x=1'",
        '      [P]: the last rule applied',
        'decision: forward to ws://127.0.0.1:9000/chat?x=1',
        "  upgrade: 'websocket' goes to the backend; its 101 naming 'websocket' opens a tunnel",
        '  worker: ws://127.0.0.1:9000 (default worker)',
        '  decided by /nonexistent/site.conf:9: RewriteRule ^/ws/(.*) ws://127.0.0.1:9000/$1 [P,L]',
      ].join('\n'),
    );
  });

  test('the same URL without Upgrade: the failed condition, then the ProxyPass that decided', async () => {
    const out = await explained('GET /api/x HTTP/1.1', ['Host: www.test', 'Upgrade: h2c', 'Connection: Upgrade']);
    assert.match(out, /'\/api\/x' against '\^\/ws\/\(\.\*\)' => not-matched/);
    assert.match(out, /\ndecision: forward to http:\/\/127\.0\.0\.1:3001\/x\n/);
    assert.match(out, /upgrade: no tunnel; the route does not forward 'Upgrade: h2c'/);
    assert.match(out, /decided by \/nonexistent\/site\.conf:15: ProxyPass \/api\/ http:\/\/127\.0\.0\.1:3001\/$/);
  });

  test('a redirect with its Location and status', async () => {
    const out = await explained('GET /old/page?q=2 HTTP/1.1', ['Host: www.test']);
    assert.match(out, /\[R=301\]: redirect to http:\/\/www\.test\/new\/page with query 'q=2'/);
    assert.match(out, /decision: redirect 301 to http:\/\/www\.test\/new\/page\?q=2\n/);
    assert.match(out, /decided by \/nonexistent\/site\.conf:10: RewriteRule \^\/old\/\(\.\*\) \/new\/\$1 \[R=301,L\]/);
  });

  test('[F]: a status; [C]: the chained rules skipped; [E]: the environment', async () => {
    assert.match(await explained('GET /secret HTTP/1.1', ['Host: www.test']), /forces status 403[\s\S]*decision: respond 403 [\s\S]*site\.conf:11/);
    const chain = await explained('GET /z HTTP/1.1', ['Host: www.test']);
    assert.match(chain, /site\.conf:12: RewriteRule \^\/a\$ \/b \[C\]\n {6}'\/z' against '\^\/a\$' => not-matched\n {6}\[C\]: the 1 rule\(s\) chained to it are skipped/);
    assert.doesNotMatch(chain, /site\.conf:13/);
    assert.match(await explained('GET /env/bob HTTP/1.1', ['Host: www.test']), /environment: WHO=bob/);
  });

  test('the main server without rewrite rules; a request without Host', async () => {
    const out = await explained('GET /app/x HTTP/1.1', ['Host: other.test'], load(CONF.replace('<VirtualHost *:8080>', '<VirtualHost 127.0.0.2:8080>')));
    assert.match(out, /server: the main server \(ServerName main\.test\)\nrewrite: none/);
    assert.match(out, /decision: forward to http:\/\/127\.0\.0\.1:3000\/app\/x/);
    const noHost = await explained('GET / HTTP/1.1', []);
    assert.match(noHost, /server: none[\s\S]*decision: respond 400 \(HTTP\/1\.1 request without a Host header\)/);
  });

  test('bad request lines and fields are errors', () => {
    assert.equal(explainFacts(site.plan, { requestLine: 'GET', headers: [] }).ok, false);
    assert.equal(explainFacts(site.plan, { requestLine: 'GET / HTTP/2', headers: [] }).ok, false);
    assert.equal(explainFacts(site.plan, { requestLine: 'GET /', headers: ['NoColon'] }).ok, false);
    assert.equal(explainFacts(site.plan, { requestLine: 'GET /', headers: [], remote: '1.2.3.4:99999' }).ok, false);
    const f = explainFacts(site.plan, { requestLine: 'GET / HTTP/1.0', headers: ['X-A: 1', 'x-a: 2'], remote: '[::1]:4000', local: '10.0.0.1:81', tls: true });
    assert.ok(f.ok);
    assert.deepEqual([f.facts.httpVersion, f.facts.header('X-A'), f.facts.remoteAddress, f.facts.remotePort, f.facts.localAddress, f.facts.localPort, f.facts.tls], ['1.0', '1, 2', '::1', 4000, '10.0.0.1', 81, true]);
  });
});

describe('--explain with a RewriteMap program', () => {
  const dir = makeConfDir('tsproxyd-explain-');
  const script = dir.write('m.sh', 'while read k; do echo "/to-$k"; done\n');
  const conf = load(`Listen 127.0.0.1:8080
ServerName main.test
ProxyPass / http://127.0.0.1:3000/
RewriteEngine on
RewriteMap m "prg:/bin/sh ${script}"
RewriteRule ^/u/(.*) \${m:$1|/none} [PT]
`);
  const programs = new PrgPrograms(planPrograms(conf.plan), () => undefined);
  after(async () => {
    await programs.close();
    dir.remove();
  });

  test('the program is asked, and its answer shown', async () => {
    programs.start();
    const f = explainFacts(conf.plan, { requestLine: 'GET /u/kim', headers: ['Host: main.test'] });
    assert.ok(f.ok);
    const out = await explain(conf.plan, f.facts, conf.sources, (x: RequestFacts) => programs.route((y: RequestFacts) => route(conf.plan, y), x));
    assert.match(out, /map lookup OK: map=m key=kim -> val=\/to-kim/);
    assert.match(out, /\[PT\]: ProxyPass sees '\/to-kim'/);
    assert.match(out, /decision: forward to http:\/\/127\.0\.0\.1:3000\/to-kim/);
  });
});

describe('command line', () => {
  test('--explain with -H, --remote, --local, --tls; alone it means check-then-explain', () => {
    const r = parseArgs(['-f', 'x.conf', '--explain', 'GET / HTTP/1.1', '-H', 'Host: a', '-HX-B: 2', '--remote', '1.2.3.4', '--local', '127.0.0.1:81', '--tls']);
    assert.ok(r.ok);
    assert.equal(r.options.mode, 'explain');
    assert.deepEqual(r.options.explain, { requestLine: 'GET / HTTP/1.1', headers: ['Host: a', 'X-B: 2'], tls: true, remote: '1.2.3.4', local: '127.0.0.1:81' });
    const t = parseArgs(['--check', '--explain', 'GET /']);
    assert.ok(t.ok && t.options.mode === 'explain');
  });

  test('-H without --explain, and --explain without a value, are errors', () => {
    assert.deepEqual(parseArgs(['-H', 'Host: a']).ok, false);
    assert.deepEqual(parseArgs(['--explain']).ok, false);
  });
});
