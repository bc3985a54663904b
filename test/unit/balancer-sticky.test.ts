// Where a sticky route comes from (src/balancer/sticky.ts), with httpd's parsing quirks (get_path_param,
// get_cookie_param in mod_proxy_balancer.c); the end-to-end behaviour is compared with apache2 in
// test/conformance/request-cases/balancer-sticky.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cookieParam, sessionRoute, stickyNames, urlParam } from '../../src/balancer/sticky.js';

describe('stickysession names', () => {
  test('one name for both, or COOKIE|param', () => {
    assert.deepEqual(stickyNames('ROUTEID'), { cookie: 'ROUTEID', param: 'ROUTEID' });
    assert.deepEqual(stickyNames('JSESSIONID|jsessionid'), { cookie: 'JSESSIONID', param: 'jsessionid' });
    assert.equal(stickyNames(undefined), undefined);
    assert.equal(stickyNames(''), undefined);
  });
});

describe('URL parameter', () => {
  const cases: [string, string, boolean, string | undefined][] = [
    ['balancer://c/x?ROUTEID=.n2', 'ROUTEID', false, '.n2'],
    ['balancer://c/x?a=1&ROUTEID=s.n1&b=2', 'ROUTEID', false, 's.n1'],
    ['balancer://c/x;jsessionid=ABC.t1', 'jsessionid', false, 'ABC.t1'],
    ['balancer://c/x;jsessionid=ABC.t1;foo=1?q=2', 'jsessionid', true, 'ABC.t1'],
    ['balancer://c/x;jsessionid=ABC.t1;foo=1?q=2', 'jsessionid', false, 'ABC.t1;foo=1'],
    ['balancer://c/x?XROUTEID=a.b', 'ROUTEID', false, 'a.b'], // a substring search, as httpd's strstr
    ['balancer://c/x?ROUTEID', 'ROUTEID', false, undefined],
    ['balancer://c/x?ROUTEID=', 'ROUTEID', false, undefined],
    ['balancer://c/x?ROUTEID=&', 'ROUTEID', false, undefined],
    ['balancer://c/x?ROUTEID=&a', 'ROUTEID', false, 'a'], // apr_strtok skips leading delimiters
    ['balancer://c/ROUTEIDx?ROUTEID=.n1', 'ROUTEID', false, '.n1'],
  ];
  for (const [url, name, scolon, want] of cases) {
    test(`${url} ${name}${scolon ? ' (scolonpathdelim)' : ''} → ${want}`, () => assert.equal(urlParam(url, name, scolon), want));
  }
});

describe('Cookie header', () => {
  const cases: [string | undefined, string, string | undefined][] = [
    ['ROUTEID=.n1', 'ROUTEID', '.n1'],
    ['a=1; ROUTEID=x.n2; b=3', 'ROUTEID', 'x.n2'],
    ['a=1, ROUTEID=.n2', 'ROUTEID', '.n2'], // repeated Cookie fields, merged with ", "
    ['a=1;ROUTEID = .n3', 'ROUTEID', '.n3'],
    ['XROUTEID=.n2', 'ROUTEID', undefined],
    ['XROUTEID=.n2; ROUTEID=.n1', 'ROUTEID', '.n1'],
    ['ROUTEID=', 'ROUTEID', undefined],
    ['ROUTEIDX=1', 'ROUTEID', undefined],
    [undefined, 'ROUTEID', undefined],
  ];
  for (const [cookies, name, want] of cases) {
    test(`${cookies} → ${want}`, () => assert.equal(cookieParam(cookies, name), want));
  }
});

describe('session route', () => {
  const names = stickyNames('JSESSIONID|jsessionid')!;
  test('the URL parameter first, then the cookie; the route after the separator', () => {
    assert.deepEqual(sessionRoute(names, 'balancer://c/x?jsessionid=A.t1', 'JSESSIONID=B.t2', '.', false), { sticky: 'jsessionid', route: 't1' });
    assert.deepEqual(sessionRoute(names, 'balancer://c/x', 'JSESSIONID=B.t2', '.', false), { sticky: 'JSESSIONID', route: 't2' });
  });
  test('no separator in the value: no route; an empty route is still a session', () => {
    assert.equal(sessionRoute(names, 'balancer://c/x', 'JSESSIONID=B', '.', false), undefined);
    assert.deepEqual(sessionRoute(names, 'balancer://c/x', 'JSESSIONID=B.', '.', false), { sticky: 'JSESSIONID', route: '' });
  });
  test('stickysessionsep Off: the whole value is the route; another separator', () => {
    assert.deepEqual(sessionRoute(names, 'balancer://c/x', 'JSESSIONID=.w1', '', false), { sticky: 'JSESSIONID', route: '.w1' });
    assert.deepEqual(sessionRoute(names, 'balancer://c/x', 'JSESSIONID=abc:w1', ':', false), { sticky: 'JSESSIONID', route: 'w1' });
  });
});

describe('ProxyPassReverse balancer:// expanded per member', async () => {
  const { expandBalancerReverse } = await import('../../src/balancer/reverse.js');
  const loc = { file: 't.conf', line: 1, col: 1 };
  const member = (raw: string) => ({ url: { scheme: 'http' as const, host: 'h', port: undefined, path: '', raw }, params: {}, loc });
  const balancers = new Map([['c', { name: 'c', members: [member('http://h/a'), member('http://h/b/')], params: {}, loc }]]);
  const rule = (path: string, url: string) => ({ path, url, interpolate: false, loc });
  test('one rule per member, in member order; the path after the name appended', () => {
    assert.deepEqual(
      expandBalancerReverse([rule('/app/', 'balancer://c/'), rule('/sub/', 'balancer://C/in/')], balancers).map((r) => [r.path, r.url]),
      [
        ['/app/', 'http://h/a'],
        ['/app/', 'http://h/b/'],
        ['/sub/', 'http://h/a/in/'],
        ['/sub/', 'http://h/b/in/'],
      ],
    );
  });
  test('local path "/" without a path after the name: member/ first, then the bare member URL', () => {
    assert.deepEqual(
      expandBalancerReverse([rule('/', 'balancer://c')], balancers).map((r) => r.url),
      ['http://h/a/', 'http://h/a', 'http://h/b//', 'http://h/b/'],
    );
  });
  test('other rules and unknown balancers are kept as they are', () => {
    const rules = [rule('/x/', 'http://b/'), rule('/y/', 'balancer://nope/')];
    assert.deepEqual(expandBalancerReverse(rules, balancers), rules);
  });
});
