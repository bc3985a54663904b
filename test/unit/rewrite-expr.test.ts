// RewriteCond expr (src/modules/rewrite/expr.ts parses, src/rewrite/expr-eval.ts evaluates): httpd's errors for what
// ap_expr rejects, tsproxyd's for what it cannot evaluate, and the operators on requests; the same operators were
// checked against apache2 2.4.71 in test/conformance/request-cases/rw-expr and check-cases/rewritecond-expr-*.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExpr } from '../../src/modules/rewrite/expr.js';
import { ipMatch } from '../../src/rewrite/expr-eval.js';
import { rewritePlan, run, summary, type Req } from '../helpers/rewrite.js';

describe('parse errors', () => {
  const cases: [string, string][] = [
    ['%{HTTP_HOST} == ', 'cannot compile expression "%{HTTP_HOST} == " syntax error, unexpected $end'],
    ['foo(%{HTTP_HOST}) == 1', `cannot compile expression "foo(%{HTTP_HOST}) == 1" Function 'foo' does not exist`],
    ['%{FOO_BAR} == 1', `cannot compile expression "%{FOO_BAR} == 1" Variable 'FOO_BAR' does not exist`],
    ['%{SSL:SSL_PROTOCOL} == 1', `cannot compile expression "%{SSL:SSL_PROTOCOL} == 1" Function 'SSL' does not exist`],
    ['%{HTTP_HOST} =~ /a/x', `cannot compile expression "%{HTTP_HOST} =~ /a/x" syntax error, unexpected T_ID near 'x'`],
    ['-A /x', 'cannot compile expression "-A /x" -A needs a sub-request, which tsproxyd does not run'],
    ["file('/etc/passwd') == 1", `cannot compile expression "file('/etc/passwd') == 1" Function 'file' is not supported by tsproxyd`],
    ["'a' == 'b' &&", 'cannot compile expression "\'a\' == \'b\' &&" syntax error, unexpected $end'],
    ['(true', `cannot compile expression "(true" syntax error, expecting ')'`],
  ];
  for (const [src, error] of cases) test(src, () => assert.deepEqual(parseExpr(src), { ok: false, error }));

  test('accepted spellings', () => {
    for (const src of ['EXPR', '%{http_host} == 1', '%{HTTP:Host} == 1', 'TOLOWER(%{HTTP_HOST}) == 1', "%{HTTP_HOST} in {'a', 'b'}", 'true && !false || (false)', '$1 == 1']) {
      assert.equal(src === 'EXPR' ? true : parseExpr(src).ok, true, src);
    }
  });
});

describe('evaluation', () => {
  const cases: [string, Req | string, string][] = [
    [`"%{HTTP_HOST} == 'localhost' && req('X-A') =~ /^v(\\d+)$/"`, { target: '/a', headers: { 'X-A': 'v42' } }, 'pt /y/42'],
    [`"%{HTTP_HOST} == 'localhost' && req('X-A') =~ /^v(\\d+)$/"`, { target: '/a', headers: { 'X-A': 'x' } }, 'pass'],
    [`"tolower(req('X-B')) -in {'yes', 'y'} || -n %{QUERY_STRING}"`, { target: '/a', headers: { 'X-B': 'YES' } }, 'pt /y/'],
    [`"tolower(req('X-B')) -in {'yes', 'y'} || -n %{QUERY_STRING}"`, '/a?q', 'pt /y/?q'],
    [`"tolower(req('X-B')) -in {'yes', 'y'} || -n %{QUERY_STRING}"`, '/a', 'pass'],
    [`"req('X-N') -gt 10 && req('X-N') lt 100"`, { target: '/a', headers: { 'X-N': '50' } }, 'pt /y/'],
    [`"req('X-N') -gt 10 && req('X-N') lt 100"`, { target: '/a', headers: { 'X-N': '5' } }, 'pass'],
    [`"%{REQUEST_URI} =~ m#^/(A)$#i"`, '/a', 'pt /y/a'],
    [`"toupper(req('X-C')) . '-' . escape(req('X-D')) == 'AB-x%20y'"`, { target: '/a', headers: { 'X-C': 'ab', 'X-D': 'x y' } }, 'pt /y/'],
    [`"req('X-S') -strmatch 'ab*' && !(req('X-S') -strcmatch 'ABC')"`, { target: '/a', headers: { 'X-S': 'abd' } }, 'pt /y/'],
    [`"req('X-S') -strmatch 'ab*' && !(req('X-S') -strcmatch 'ABC')"`, { target: '/a', headers: { 'X-S': 'abc' } }, 'pass'],
    [`"-T req('X-T')"`, { target: '/a', headers: { 'X-T': 'Off' } }, 'pass'],
    [`"-T req('X-T')"`, { target: '/a', headers: { 'X-T': 'yes' } }, 'pt /y/'],
    [`"%{REQUEST_URI} =~ /(a)/ && '$1x:%{REQUEST_METHOD}' == 'ax:GET'"`, '/a', 'pt /y/a'],
    [`"!(%{QUERY_STRING} =~ /secret/)"`, '/a?secret', 'pass'],
    [`"%{REMOTE_ADDR} -ipmatch '192.168.0.0/16' && -R '192.168.1'"`, { target: '/a', remote: '::ffff:192.168.1.9' }, 'pt /y/'],
    [`"%{SERVER_PROTOCOL_VERSION} -eq 1001 && md5('a') == '0cc175b9c0f1b6a831c399e269772661' && base64('ab') == 'YWI='"`, '/a', 'pt /y/'],
    [`"'a' < 'b' && 'b' >= 'b' && 'a' != 'b' && -z ''"`, '/a', 'pt /y/'],
    // mod_ssl's variables (apache2 -t accepts them with mod_ssl loaded); empty on a plain connection
    [`"%{SSL_PROTOCOL} == 'TLSv1.3' && %{SSL_CLIENT_S_DN_CN} =~ /^(\\w+)$/"`, { target: '/a', tls: true, ssl: { SSL_PROTOCOL: 'TLSv1.3', SSL_CLIENT_S_DN_CN: 'alice' } }, 'pt /y/alice'],
    [`"%{SSL_PROTOCOL} == 'TLSv1.3'"`, { target: '/a', tls: true, ssl: { SSL_PROTOCOL: 'TLSv1.2' } }, 'pass'],
    [`"-z %{SSL_PROTOCOL}"`, '/a', 'pt /y/'],
  ];
  for (const [expr, req, want] of cases) {
    test(`${expr} on ${typeof req === 'string' ? req : JSON.stringify(req)}`, () =>
      assert.equal(summary(run(rewritePlan(`RewriteCond expr ${expr}\nRewriteRule ^/a$ /y/%1 [PT]`), req)), want));
  }

  test('a negated expr condition sets no back-references', () => {
    assert.equal(summary(run(rewritePlan(`RewriteCond expr "!%{REQUEST_URI} =~ /(b)/"\nRewriteRule ^/a$ /y/%1 [PT]`), '/a')), 'pt /y/');
  });

  test('-ipmatch forms', () => {
    assert.deepEqual(
      [
        ipMatch('10.1.2.3', '10.1'),
        ipMatch('10.2.2.3', '10.1'),
        ipMatch('10.1.2.3', '10.1.0.0/255.255.0.0'),
        ipMatch('::1', '::1'),
        ipMatch('2001:db8::5', '2001:db8::/32'),
        ipMatch('10.0.0.1', '10.0.0.1'),
        ipMatch('10.0.0.1', 'nonsense'),
        ipMatch('10.0.0.1', '10.0.0.0/99'),
      ],
      [true, false, true, true, true, true, false, false],
    );
  });
});
