// The rewrite engine (src/rewrite), table-driven: rules + request → outcome. Every expectation was checked against
// apache2 2.4.71 (most of them are also request cases in test/conformance/request-cases/rw-*).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rewritePlan, run, summary, type Req } from '../helpers/rewrite.js';

type Case = [name: string, rules: string, req: Req | string, expected: string];

function table(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    for (const [name, rules, req, expected] of cases) {
      test(name, () => assert.equal(summary(run(rewritePlan(rules), req)), expected));
    }
  });
}

const B = 'http://b:81';

table('substitution and outcome', [
  ['no rule matches: pass', `RewriteRule ^/x /y [PT]`, '/z', 'pass'],
  ['[PT]: the new path and the old query', `RewriteRule ^/a/(.*) /b/$1 [PT]`, '/a/x?q=1', 'pt /b/x?q=1'],
  ['a local path without [PT]', `RewriteRule ^/a/(.*) /b/$1`, '/a/x', 'local /b/x'],
  ['[P] to an absolute URL', `RewriteRule ^/a/(.*) ${B}/x/$1 [P]`, '/a/y?q=1', `proxy ${B}/x/y?q=1`],
  ['[P] to a path is qualified with the Host', `RewriteRule ^/a/(.*) /x/$1 [P]`, { target: '/a/y', host: 'front:8443' }, 'proxy http://front:8443/x/y'],
  ['[P,NE]: the query goes into the URL, raw', `RewriteRule ^/a/(.*) ${B}/x/$1 [P,NE]`, '/a/y?q=1', `proxy raw ${B}/x/y?q=1`],
  ['a substitution of only a back-reference gets a / (CVE-2024-39573)', `RewriteRule ^/broken(.*) $1`, '/brokenproxy:http:/evil/', 'local /proxy:http:/evil/'],
  ['an absolute result is a redirect', `RewriteRule ^/a$ http://other.example/x`, '/a', 'redirect 302 http://other.example/x'],
  ['http://this-server/ is reduced when ServerName names the port', `ServerName localhost:8080\nRewriteRule ^/a$ http://localhost:8080/b [PT]`, '/a', 'pt /b'],
  ['… and not without a port in ServerName', `ServerName localhost\nRewriteRule ^/a$ http://localhost:8080/b [PT]`, '/a', 'pt http://localhost:8080/b'],
  ["'-' changes nothing", `RewriteRule ^/a - [L]\nRewriteRule ^/a /never [PT]`, '/a', 'pass'],
  ['a negated pattern', `RewriteRule !^/keep/ /other [PT]`, '/x', 'pt /other'],
  ['a negated pattern has no $N', `RewriteRule !^/(keep)/ /other/$1 [PT]`, '/x', 'pt /other/'],
  ['[NC]', `RewriteRule ^/a/(.*) /b/$1 [NC,PT]`, '/A/Q', 'pt /b/Q'],
  ['a backslash keeps $ literal', `RewriteRule ^/a/(.*) /b/\\$1/$1 [PT]`, '/a/z', 'pt /b/$1/z'],
  ['%N without a condition is empty: "%20" is %2 then 0', `RewriteRule ^/a/(.*) /b%20x/$1 [PT]`, '/a/z', 'pt /b0x/z'],
  ['an unclosed %{ is literal', `RewriteRule ^/a$ /b/%{X [PT]`, '/a', 'pt /b/%{X'],
  ['unknown variables are empty', `RewriteRule ^/a$ /b/%{NO_SUCH}x [PT]`, '/a', 'pt /b/x'],
]);

table('query strings', [
  ['kept without ?', `RewriteRule ^/a$ /b [PT]`, '/a?x=1', 'pt /b?x=1'],
  ['replaced by ?', `RewriteRule ^/a$ /b?n=1 [PT]`, '/a?x=1', 'pt /b?n=1'],
  ['a trailing ? drops it', `RewriteRule ^/a$ /b? [PT]`, '/a?x=1', 'pt /b'],
  ['QSA appends the old query', `RewriteRule ^/a$ /b?n=1 [PT,QSA]`, '/a?x=1', 'pt /b?n=1&x=1'],
  ['QSA without an old query', `RewriteRule ^/a$ /b?n=1 [PT,QSA]`, '/a', 'pt /b?n=1'],
  ['QSA with an empty new query keeps the old', `RewriteRule ^/a$ /b? [PT,QSA]`, '/a?x=1', 'pt /b?x=1'],
  ['QSA strips one trailing &', `RewriteRule ^/a$ /b?n=1& [PT,QSA]`, '/a', 'pt /b?n=1&'],
  ['QSD drops it', `RewriteRule ^/a$ /b [PT,QSD]`, '/a?x=1', 'pt /b'],
  ['QSD with a new query', `RewriteRule ^/a$ /b?n=1 [PT,QSD,QSA]`, '/a?x=1', 'pt /b?n=1'],
  ['the first ? splits', `RewriteRule ^/a$ /b?c?d [PT]`, '/a', 'pt /b?c?d'],
  ['a query from %{QUERY_STRING}', `RewriteRule ^/a$ /b?q=%{QUERY_STRING} [PT]`, '/a?x=1', 'pt /b?q=x=1'],
  ['a space in the rewritten query is a 403 (AH10410)', `RewriteRule ^/a/(.*) /b?v=$1 [PT]`, '/a/x%20y', 'status 403'],
  ['… also with [P]', `RewriteRule ^/a/(.*) ${B}/?v=$1 [P]`, '/a/x%0Dy', 'status 403'],
  ['… but a redirect escapes it', `RewriteRule ^/a/(.*) /b?v=$1 [R]`, '/a/x%20y', 'redirect 302 http://localhost/b?v=x%20y'],
  ['… unless [NE]', `RewriteRule ^/a/(.*) /b?v=$1 [R,NE]`, '/a/x%20y', 'status 403'],
  ['ftp:// URLs lose the query', `RewriteRule ^/a$ ftp://f.example/x?y [R]`, '/a?q=1', 'redirect 302 ftp://f.example/x%3fy'],
]);

describe('QSL', () => {
  test('splits at the last ?', () => {
    const o = run(rewritePlan(`RewriteRule ^/a$ /b?c?d [PT,QSL]`), '/a');
    assert.equal(o.kind === 'passthrough' && `${o.uri}|${o.args}`, '/b?c|d');
  });
});

table('[B] escaping of back-references', [
  ['[B]: non-alphanumerics, space as +', `RewriteRule ^/a/(.*) /b?v=$1 [PT,B]`, '/a/x%20y%26z%3D1%2Fw', 'pt /b?v=x+y%26z%3d1%2fw'],
  ['[B] also escapes %N', `RewriteCond %{HTTP:X} (.*)\nRewriteRule ^/a$ /b?v=%1 [PT,B]`, { target: '/a', headers: { X: 'p q' } }, 'pt /b?v=p+q'],
  ['[B,BNP]: space as %20', `RewriteRule ^/a/(.*) /b?v=$1 [PT,B,BNP]`, '/a/x%20y', 'pt /b?v=x%20y'],
  ['[B=list]: only those (alphanumerics never)', `RewriteRule ^/a/(.*) /b?v=$1 [PT,B=&a]`, '/a/xa%26b', 'pt /b?v=xa%26b'],
  ['[BCTLS]: controls and space only', `RewriteRule ^/a/(.*) /b?v=$1 [PT,BCTLS]`, '/a/x%20y%09%26z', 'pt /b?v=x+y%09&z'],
  ['[BNE]: exempted characters', `RewriteRule ^/a/(.*) /b?v=$1 [PT,B,BNE=/&]`, '/a/x%20y/z%26w%3D', 'pt /b?v=x+y/z&w%3d'],
  ['test strings are not escaped', `RewriteCond %{HTTP:X} ^(.*)$\nRewriteRule ^/a$ - [E=V:%1,B]`, { target: '/a', headers: { X: 'p q' } }, 'pass'],
]);

table('UnsafeAllow3F (CVE-2024-38474)', [
  ['a ? from a back-reference is a 403', `RewriteRule ^/a/(.*) /b/$1 [PT]`, '/a/x%3Fy', 'status 403'],
  ['… allowed with UnsafeAllow3F', `RewriteRule ^/a/(.*) /b/$1 [PT,UnsafeAllow3F]`, '/a/x%3Fy', 'pt /b/x?y'],
  ['a literal ? first is the separator', `RewriteRule ^/a/(.*) /b?v=$1 [PT]`, '/a/x%3Fy', 'pt /b?v=x?y'],
  ['a ? from a variable', `RewriteRule ^/a$ /b/%{HTTP:X} [PT]`, { target: '/a', headers: { X: 'p?q' } }, 'status 403'],
  ['[B] escapes it: no ?', `RewriteRule ^/a/(.*) /b/$1 [PT,B]`, '/a/x%3Fy', 'pt /b/x%3fy'],
]);

table('conditions', [
  ['AND: all must hold', `RewriteCond %{HTTP:A} =1\nRewriteCond %{HTTP:B} =2\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: '1', B: '3' } }, 'pass'],
  ['[OR]', `RewriteCond %{HTTP:A} =1 [OR]\nRewriteCond %{HTTP:B} =2\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { B: '2' } }, 'pt /y'],
  ['a dangling [OR] on the last condition', `RewriteCond %{HTTP:A} =1 [OR]\nRewriteRule ^/a$ /y [PT]`, '/a', 'pt /y'],
  ['[OR] then AND', `RewriteCond %{HTTP:A} =1 [OR]\nRewriteCond %{HTTP:B} =2\nRewriteCond %{HTTP:C} =3\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: '1' } }, 'pass'],
  ['%N from the last matched condition', `RewriteCond %{HTTP:A} ^(a+)$\nRewriteCond %{HTTP:B} !^(b)$\nRewriteRule ^/a$ /y/%1 [PT]`, { target: '/a', headers: { A: 'aa', B: 'c' } }, 'pt /y/aa'],
  ['$N in a test string', `RewriteCond $1 ^x\nRewriteRule ^/a/(.*) /y/$1 [PT]`, '/a/xz', 'pt /y/xz'],
  ['! negates', `RewriteCond %{REQUEST_METHOD} !^GET$\nRewriteRule ^/a$ /post [PT]`, { target: '/a', method: 'POST' }, 'pt /post'],
  ['[NC] regex', `RewriteCond %{HTTP:A} ^abc$ [NC]\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: 'ABC' } }, 'pt /y'],
  ['= [NC]', `RewriteCond %{HTTP:A} =abc [NC]\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: 'AbC' } }, 'pt /y'],
  ['= "" is empty', `RewriteCond %{HTTP:A} =""\nRewriteRule ^/a$ /y [PT]`, '/a', 'pt /y'],
  ['> compares lengths first', `RewriteCond %{HTTP:A} >m\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: 'aa' } }, 'pt /y'],
  ['< same length bytewise', `RewriteCond %{HTTP:A} <m\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: 'n' } }, 'pass'],
  ['<= "9" vs "10"', `RewriteCond %{HTTP:A} <=10\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: '9' } }, 'pt /y'],
  ['>= [NC] is strcasecmp', `RewriteCond %{HTTP:A} >=b [NC]\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: 'AA' } }, 'pass'],
  ['-eq with atoi', `RewriteCond %{HTTP:A} -eq5\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: '5abc' } }, 'pt /y'],
  ['-ne', `RewriteCond %{HTTP:A} -ne5\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: '5' } }, 'pass'],
  ['-lt -le -gt -ge', `RewriteCond %{HTTP:A} -lt10\nRewriteCond %{HTTP:A} -le9\nRewriteCond %{HTTP:A} -gt8\nRewriteCond %{HTTP:A} -ge9\nRewriteRule ^/a$ /y [PT]`, { target: '/a', headers: { A: '9' } }, 'pt /y'],
  ['-d', `RewriteCond /tmp -d\nRewriteRule ^/a$ /y [PT]`, '/a', 'pt /y'],
  ['-f on a directory', `RewriteCond /tmp -f\nRewriteRule ^/a$ /y [PT]`, '/a', 'pass'],
  ['!-f on a missing file', `RewriteCond /nonexistent/x !-f\nRewriteRule ^/a$ /y [PT]`, '/a', 'pt /y'],
  ['-U never holds (no sub-requests)', `RewriteCond /a -U\nRewriteRule ^/a$ /y [PT]`, '/a', 'pass'],
  ['expr "true"', `RewriteCond expr "true"\nRewriteRule ^/a$ /y [PT]`, '/a', 'pt /y'],
  ['!expr', `RewriteCond expr "!true"\nRewriteRule ^/a$ /y [PT]`, '/a', 'pass'],
  ['conditions are only evaluated when the pattern matches', `RewriteCond %{HTTP:A} =1\nRewriteRule ^/a$ /y [PT]\nRewriteRule ^/b$ /z [PT]`, '/b', 'pt /z'],
]);

table('server variables', [
  ['request', `RewriteRule ^/a$ /y?%{REQUEST_METHOD},%{REQUEST_URI},%{QUERY_STRING},%{REQUEST_SCHEME},%{HTTPS},%{SERVER_PROTOCOL} [PT]`, { target: '/a?k=v', method: 'PUT' }, 'pt /y?PUT,/a,k=v,http,off,HTTP/1.1'],
  ['server name and port from the Host', `RewriteRule ^/a$ /y?%{HTTP_HOST},%{SERVER_NAME},%{SERVER_PORT} [PT]`, { target: '/a', host: 'Front.example:8443' }, 'pt /y?Front.example:8443,front.example,8443'],
  ['no port in the Host: the default', `RewriteRule ^/a$ /y?%{SERVER_PORT} [PT]`, { target: '/a', host: 'front.example' }, 'pt /y?80'],
  ['UseCanonicalName On', `ServerName canon.example:81\nUseCanonicalName On\nRewriteRule ^/a$ /y?%{SERVER_NAME},%{SERVER_PORT} [PT]`, { target: '/a', host: 'front.example:8443' }, 'pt /y?canon.example,81'],
  ['addresses', `RewriteRule ^/a$ /y?%{REMOTE_ADDR},%{SERVER_ADDR},%{REMOTE_PORT},%{IPV6} [PT]`, { target: '/a', remote: '::ffff:10.0.0.1' }, 'pt /y?10.0.0.1,127.0.0.1,50000,off'],
  ['headers by their httpd names', `RewriteRule ^/a$ /y?%{HTTP_USER_AGENT},%{HTTP_REFERER},%{HTTP_COOKIE},%{HTTP_ACCEPT},%{HTTP_FORWARDED},%{HTTP_X_OTHER} [PT]`, { target: '/a', headers: { 'User-Agent': 'ua', Referer: 'r', Cookie: 'c', Accept: 'a', Forwarded: 'f', 'X-Other': 'no' } }, 'pt /y?ua,r,c,a,f,'],
  ['%{HTTP:name} and lower-case names', `RewriteRule ^/a$ /y?%{HTTP:x-any},%{http_host} [PT]`, { target: '/a', headers: { 'X-Any': 'v' } }, 'pt /y?v,localhost'],
  ['THE_REQUEST is the raw line', `RewriteCond %{THE_REQUEST} ^(\\S+)\\s(\\S+)\\s(\\S+)$\nRewriteRule ^/a b?%2 [PT]`, '/a%7E?x', 'pt /b?/a%7E?x'],
  ['SCRIPT_URL and SCRIPT_URI', `RewriteRule ^/a$ /y?%{ENV:SCRIPT_URL},%{ENV:SCRIPT_URI} [PT]`, { target: '/a', host: 'h:81' }, 'pt /y?/a,http://h:81/a'],
  ['IS_SUBREQ', `RewriteRule ^/a$ /y?%{IS_SUBREQ} [PT]`, '/a', 'pt /y?false'],
  ['ENV falls back to the process environment', `RewriteRule ^/a$ /y?%{ENV:TSPROXYD_REWRITE_TEST_VAR} [PT]`, '/a', 'pt /y?from-process'],
  ['TIME_YEAR', `RewriteRule ^/a$ /y?%{TIME_YEAR} [PT]`, '/a', `pt /y?${new Date(Date.UTC(2026, 0, 2, 3, 4, 5)).getFullYear()}`],
  ['HTTPS on a TLS connection', `RewriteRule ^/a$ /y?%{HTTPS},%{REQUEST_SCHEME} [PT]`, { target: '/a', tls: true }, 'pt /y?on,https'],
]);
process.env['TSPROXYD_REWRITE_TEST_VAR'] = 'from-process';

table('control flags', [
  ['rules see the rewritten URL', `RewriteRule ^/a$ /b\nRewriteRule ^/b$ /c [PT]`, '/a', 'pt /c'],
  ['[L] stops', `RewriteRule ^/a$ /b [L]\nRewriteRule ^/b$ /c [PT]`, '/a', 'local /b'],
  ['[END] stops', `RewriteRule ^/a$ /b [END]\nRewriteRule ^/b$ /c [PT]`, '/a', 'local /b'],
  ['[C]: a failing rule skips its chain', `RewriteRule ^/x$ /y [C]\nRewriteRule ^/a$ /chained [C]\nRewriteRule ^/a$ /chained2 [PT]\nRewriteRule ^/a$ /after [PT]`, '/a', 'pt /after'],
  ['[C]: a matching chain runs on', `RewriteRule ^/a$ /b [C]\nRewriteRule ^/b$ /c [PT]`, '/a', 'pt /c'],
  ['[S=2]', `RewriteRule ^/a$ - [S=2]\nRewriteRule ^/a$ /s1 [PT]\nRewriteRule ^/a$ /s2 [PT]\nRewriteRule ^/a$ /s3 [PT]`, '/a', 'pt /s3'],
  ['[S] past the end', `RewriteRule ^/a$ /b [S=9]\nRewriteRule ^/b$ /c [PT]`, '/a', 'local /b'],
  ['[N] restarts', `RewriteRule ^/(.*)x(.*)$ /$1$2 [N]\nRewriteRule ^/(.*)$ /done/$1 [PT]`, '/axbxc', 'pt /done/abc'],
  ['[N=4] allows two restarts', `RewriteRule ^/(.*)x(.*)$ /$1$2 [N=4]\nRewriteRule ^/(.*)$ /done/$1 [PT]`, '/axbx', 'pt /done/ab'],
  ['[N=4]: the third restart is a 500', `RewriteRule ^/(.*)x(.*)$ /$1$2 [N=4]\nRewriteRule ^/(.*)$ /done/$1 [PT]`, '/axbxcx', 'status 500'],
  ['[F]', `RewriteRule ^/a - [F]\nRewriteRule ^/a /b [PT]`, '/a', 'status 403'],
  ['[G]', `RewriteRule ^/a /ignored [G]`, '/a', 'status 410'],
  ['[R=404]', `RewriteRule ^/a - [R=404]`, '/a', 'status 404'],
  ['[R] does not stop', `RewriteRule ^/a$ /b [R]\nRewriteRule ^(.*)/b$ $1/c`, '/a', 'redirect 302 http://localhost/c'],
  ['a later implicit redirect sets 302 again (apache2 too)', `RewriteRule ^/a$ /b [R=301]\nRewriteRule ^(.*)/b$ $1/c`, '/a', 'redirect 302 http://localhost/c'],
  ['a URL longer than 2 × LimitRequestLine is a 500', `LimitRequestLine 20\nRewriteRule ^/(.*)$ /$1$1$1$1$1 [PT]`, '/abcdefghij', 'status 500'],
  ['AllowAnyURI is needed for a non-path', `RewriteRule .* /x [PT]`, '*', 'pass'],
]);

table('redirects', [
  ['relative: qualified', `RewriteRule ^/a$ b [R]`, '/a', 'redirect 302 http://localhost/b'],
  ['the Host port', `RewriteRule ^/a$ /b [R]`, { target: '/a', host: 'h:8443' }, 'redirect 302 http://h:8443/b'],
  ['https on TLS, default port dropped', `RewriteRule ^/a$ /b [R]`, { target: '/a', host: 'h:443', tls: true }, 'redirect 302 https://h/b'],
  ['the path is escaped', `RewriteRule ^/a/(.*) http://o.example/$1 [R]`, '/a/x%20y%22%3C%25;~', 'redirect 302 http://o.example/x%20y%22%3c%25;~'],
  ['[NE] keeps it', `RewriteRule ^/a/(.*) http://o.example/$1 [R,NE]`, '/a/x%25y', 'redirect 302 http://o.example/x%y'],
  ['the query is escaped when rewritten', `RewriteRule ^/a/(.*) /b?v=$1 [R]`, '/a/x%22', 'redirect 302 http://localhost/b?v=x%22'],
  ['… and kept when unchanged', `RewriteRule ^/a$ /b [R]`, '/a?x=%22"', 'redirect 302 http://localhost/b?x=%22"'],
  ['QSA', `RewriteRule ^/a$ /b?n=1 [R,QSA]`, '/a?o=%20', 'redirect 302 http://localhost/b?n=1&o=%2520'],
  ['seeother', `RewriteRule ^/a$ /b [R=seeother]`, '/a', 'redirect 303 http://localhost/b'],
  ['mailto keeps its query', `RewriteRule ^/a$ mailto:x@example.com?subject=hi [R]`, '/a', 'redirect 302 mailto:x@example.com?subject=hi'],
]);

describe('side effects', () => {
  test('[E] sets and unsets, with back-references', () => {
    const o = run(rewritePlan(`RewriteRule ^/a/(.*) - [E=X:v-$1,E=Y:1,E=!Y,E=Z]`), '/a/q');
    assert.equal(o.env.get('X'), 'v-q');
    assert.equal(o.env.has('Y'), false);
    assert.equal(o.env.get('Z'), '');
    assert.equal(o.env.get('SCRIPT_URL'), '/a/q');
  });
  test('[E] is visible to later conditions', () => {
    assert.equal(summary(run(rewritePlan(`RewriteRule ^/a - [E=X:1]\nRewriteCond %{ENV:X} =1\nRewriteRule ^/a /b [PT]`), '/a')), 'pt /b');
  });
  test('[CO]: attributes, strtok fields, once per name', () => {
    const o = run(
      rewritePlan(`RewriteRule ^/a - [CO=a:1:ex.com:10:/p:secure:HttpOnly:Lax,CO=b:2:ex.com::/q,CO=;c;x:y;ex.com,CO=a:again:ex.com,CO=short:v]`),
      '/a',
    );
    assert.deepEqual(o.cookies, [
      'a=1; path=/p; domain=ex.com; expires=Fri, 02-Jan-2026 03:14:05 GMT; secure; HttpOnly; SameSite=Lax',
      'b=2; path=/; domain=ex.com',
      'c=x:y; path=/; domain=ex.com',
    ]);
  });
  test('a rule whose conditions fail has no side effects', () => {
    const o = run(rewritePlan(`RewriteCond %{HTTP:A} =1\nRewriteRule ^/a - [E=X:1,CO=n:v:ex.com]`), '/a');
    assert.equal(o.env.has('X'), false);
    assert.deepEqual(o.cookies, []);
  });
});

describe('trace lines', () => {
  test('httpd-style lines at the configured level, errors always', () => {
    const plan = rewritePlan(`LogLevel warn rewrite:trace4\nRewriteCond %{HTTP:A} ^x [NC]\nRewriteRule ^/a/(.*) http://b/$1 [P]`);
    const o = run(plan, { target: '/a/z', headers: { A: 'X' } });
    const text = o.log.map((l) => l.replace(/\[rid#[0-9a-f]+/, '[rid#N').replace(/sid#[0-9a-f]+/, 'sid#S'));
    assert.deepEqual(text, [
      '[rewrite:trace2] 127.0.0.1 - - [localhost/sid#S][rid#N/initial] init rewrite engine with requested uri /a/z',
      "[rewrite:trace3] 127.0.0.1 - - [localhost/sid#S][rid#N/initial] applying pattern '^/a/(.*)' to uri '/a/z'",
      "[rewrite:trace4] 127.0.0.1 - - [localhost/sid#S][rid#N/initial] RewriteCond: input='X' pattern='^x' [NC] => matched",
      "[rewrite:trace2] 127.0.0.1 - - [localhost/sid#S][rid#N/initial] rewrite '/a/z' -> 'http://b/z'",
      '[rewrite:trace2] 127.0.0.1 - - [localhost/sid#S][rid#N/initial] forcing proxy-throughput with http://b/z',
      '[rewrite:trace1] 127.0.0.1 - - [localhost/sid#S][rid#N/initial] go-ahead with proxy request proxy:http://b/z [OK]',
    ]);
  });
  test('no trace lines below trace1; the AH errors still come', () => {
    const o = run(rewritePlan(`RewriteRule ^/a/(.*) /b?$1 [PT]`), '/a/x%20y');
    assert.deepEqual(o.log, ['[rewrite:error] AH10410: Rewritten query string contains control characters or spaces']);
  });
  test('LogLevel trace8 shows map lookups and [END]', () => {
    const o = run(rewritePlan(`LogLevel rewrite:trace8\nRewriteMap up int:toupper\nRewriteRule ^/a/(.*) /b/${'${up:$1}'} [END]`), '/a/q');
    assert.ok(o.log.some((l) => l.endsWith('map lookup OK: map=up key=q -> val=Q')));
    assert.ok(o.log.some((l) => l.endsWith('Rule has END flag, no further rewriting for this request')));
  });
});

describe('literal prefixes (rules skipped without running their regex)', () => {
  const cases: [string, string][] = [
    ['RewriteRule ^/api/v1/(.*) /x', '/api/v1/'],
    ['RewriteRule ^/ab?c /x', '/a'],
    ['RewriteRule ^/a*b /x', '/'],
    ['RewriteRule ^/a{2} /x', '/'],
    ['RewriteRule ^/a.b /x', '/a'],
    ['RewriteRule ^/a|^/b /x', ''],
    ['RewriteRule /a /x', ''],
    ['RewriteRule ^/Ab/ /x [NC]', '/ab/'],
    ['RewriteRule ^/é /x [NC]', ''],
    ['RewriteRule !^/a /x', ''],
    ['RewriteRule ^\\/a /x', ''],
  ];
  for (const [rule, prefix] of cases) {
    test(rule, () => assert.equal(rewritePlan(rule).rules[0]!.shortcut.prefix, prefix));
  }
  test('[NC]: the prefix is compared without regard to case', () => {
    const plan = rewritePlan('RewriteRule ^/Legacy/(.*) /new/$1 [NC,PT]');
    assert.deepEqual(['/LEGACY/x', '/legacy/y', '/Legacz/x', '/Leg'].map((t) => summary(run(plan, t))), ['pt /new/x', 'pt /new/y', 'pass', 'pass']);
  });
  test('a first condition tested before the pattern decides as it would after it', () => {
    const plan = rewritePlan('RewriteCond %{HTTP_HOST} ^(www)\\.\nRewriteRule ^/(.*) /b/%1/$1 [PT]');
    assert.equal(summary(run(plan, { target: '/x', host: 'www.a' })), 'pt /b/www/x');
    assert.equal(summary(run(plan, { target: '/x', host: 'a' })), 'pass');
    const later = rewritePlan('RewriteCond %{HTTP:X} (a)\nRewriteRule ^/zzz - [PT]\nRewriteRule ^/(.*) /b/%1/$1 [PT]');
    assert.equal(summary(run(later, { target: '/x', headers: { X: 'a' } })), 'pt /b//x', 'a condition of a rule whose pattern failed leaves no %N');
    const dependent = rewritePlan('RewriteCond $1 =x\nRewriteRule ^/(.*) /b/$1 [PT]');
    assert.equal(summary(run(dependent, '/x')), 'pt /b/x', 'a condition reading $N waits for the pattern');
  });
  test('an alternation still matches its other branch', () => {
    assert.equal(summary(run(rewritePlan('RewriteRule ^/a|^/b /x [PT]'), '/b')), 'pt /x');
  });
});
