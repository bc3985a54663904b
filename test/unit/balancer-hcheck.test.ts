// mod_proxy_hcheck without sockets: ProxyHCExpr conditions (compiled by the RewriteCond expr parser, evaluated on a
// health check's response), the hc* keys and ProxyHCTemplate/ProxyHCTPsize as --check sees them (httpd 2.4.71's
// messages, taken from apache2 -t), the pass/fail counting on a member (hc_check's), selection skipping +C members,
// and the checker's scheduling with a fake probe (concurrency bound, stop).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { compileHcCondition, hcConditionHolds, type HcResponse } from '../../src/balancer/hcheck-cond.js';
import { checkPassed, HealthChecker, hcTargetOf, type HcTarget } from '../../src/balancer/hcheck-runner.js';
import type { ProbeResult } from '../../src/balancer/hcheck-probe.js';
import { LB_METHODS } from '../../src/balancer/lbmethods.js';
import { MemberState } from '../../src/balancer/member.js';
import { bestMember } from '../../src/balancer/select.js';
import type { HcheckServerConf } from '../../src/modules/proxy/hcheck.js';
import type { BalancerMember, ProxyServerConf } from '../../src/modules/proxy/types.js';
import type { WorkerParams } from '../../src/modules/proxy/worker-params.js';
import { NO_BACKEND_TLS } from '../../src/proxy/backend-tls.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const LOC = { file: 't.conf', line: 1, col: 1 };

function member(name: string, params: WorkerParams = {}, path = ''): MemberState {
  const def: BalancerMember = { url: { scheme: 'http', host: '127.0.0.1', port: 8000, path, raw: `http://127.0.0.1:8000${path}#${name}` }, params, loc: LOC };
  return new MemberState(def, 0);
}

const response = (status: number, body = '', headers: Record<string, string> = {}): HcResponse => ({
  status,
  body,
  headers: new Map(Object.entries(headers)),
  method: 'GET',
  protocol: 'HTTP/1.0',
});

function holds(source: string, r: HcResponse): boolean {
  const c = compileHcCondition('t', source);
  assert.ok(c.ok, c.ok ? '' : c.error);
  return hcConditionHolds(c.cond, r);
}

describe('ProxyHCExpr conditions', () => {
  test('the conditions people write, on the response', () => {
    assert.equal(holds('%{REQUEST_STATUS} =~ /^[234]/', response(204)), true);
    assert.equal(holds('%{REQUEST_STATUS} =~ /^[234]/', response(500)), false);
    assert.equal(holds('%{REQUEST_STATUS} -lt 400', response(302)), true);
    assert.equal(holds('%{REQUEST_STATUS} -lt 400', response(404)), false);
    assert.equal(holds('!(%{REQUEST_STATUS} -ge 400)', response(200)), true);
    assert.equal(holds("hc('body') !~ /Under maintenance/", response(200, '<h1>Under maintenance</h1>')), false);
    assert.equal(holds("hc('body') !~ /Under maintenance/", response(200, 'all good')), true);
    assert.equal(holds("%{REQUEST_STATUS} -lt 400 && hc('body') =~ /ok/", response(200, 'ok')), true);
    assert.equal(holds("%{REQUEST_STATUS} -lt 400 && hc('body') =~ /ok/", response(500, 'ok')), false);
    assert.equal(holds("%{REQUEST_STATUS} == 503 || hc('BODY') =~ /ok/", response(503)), true);
    assert.equal(holds('%{HC_BODY} =~ /^up$/', response(200, 'up')), true);
    assert.equal(holds("resp('Content-Type') =~ /json/ && %{CONTENT_TYPE} =~ /json/", response(200, '{}', { 'content-type': 'application/json' })), true);
    assert.equal(holds("hc('other') == ''", response(200, 'x')), true);
    assert.equal(holds("%{REQUEST_STATUS} in {'200', '204'}", response(204)), true);
  });

  test("httpd's messages for what ap_expr rejects", () => {
    const error = (source: string) => {
      const c = compileHcCondition('t', source);
      return c.ok ? 'ok' : c.error;
    };
    assert.equal(error('%{REQUEST_STATUS} -lt '), 'Could not parse expression "%{REQUEST_STATUS} -lt ": syntax error, unexpected $end');
    assert.equal(error('%{FOO_BAR} =~ /x/'), `Could not parse expression "%{FOO_BAR} =~ /x/": Variable 'FOO_BAR' does not exist`);
    assert.equal(error("foo('x') =~ /x/"), `Could not parse expression "foo('x') =~ /x/": Function 'foo' does not exist`);
    // hc() and %{HC_*} exist only here, not in RewriteCond expr.
    assert.equal(error("hc('body') =~ /x/ && %{HC_BODY} =~ /y/"), 'ok');
  });
});

describe('the hc* keys and directives (--check)', () => {
  const dir = makeConfDir();
  after(() => dir.remove());
  const load = (text: string) => {
    const file = dir.write(`c${Math.random().toString(36).slice(2)}.conf`, `ServerName localhost\nListen 127.0.0.1:80\n${text}\n`);
    const r = loadConfig({ file, serverRoot: dir.root, env: {} });
    return { r, errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`) };
  };
  const members = (r: ReturnType<typeof load>['r']) => [...((r.model.main.confs.get('proxy') as ProxyServerConf).balancers.get('a')?.members ?? [])];

  test('errors as apache2 -t words them, located', () => {
    const cases: [string, string][] = [
      ['BalancerMember balancer://a http://h hcmethod=FOO', '3:1 BalancerMember Unknown method'],
      ['BalancerMember balancer://a http://h hcmethod=CPING', '3:1 BalancerMember Health check method CPING not (yet) implemented'],
      ['BalancerMember balancer://a http://h hcinterval=0', '3:1 BalancerMember Interval must be a positive value greater than 100ms'],
      ['BalancerMember balancer://a http://h hcinterval=1.5', '3:1 BalancerMember Unparse-able hcinterval setting'],
      ['BalancerMember balancer://a http://h hcpasses=-1', '3:1 BalancerMember Passes must be a positive value'],
      ['BalancerMember balancer://a http://h hcexpr=nope', '3:1 BalancerMember Unknown health check condition expr: nope'],
      ['BalancerMember balancer://a http://h hctemplate=nope', '3:1 BalancerMember Unknown ProxyHCTemplate name: nope'],
      ['BalancerMember balancer://a http://h hcfoo=1', '3:1 BalancerMember unknown Worker hcheck parameter'],
      ['ProxyPass /x http://h hcuri=/' + 'a'.repeat(70), '3:1 ProxyPass Health check uri length must be < 64 characters'],
      ['ProxyHCExpr ok {%{REQUEST_STATUS} -lt }', '3:1 Could not parse expression "%{REQUEST_STATUS} -lt ": syntax error, unexpected $end'],
      ["ProxyHCExpr ok {hc('body') !~ /x/} extra", '3:1 error: extra parameter(s)'],
      ['ProxyHCExpr ok', '3:1 Missing expression for ProxyHCExpr'],
      ['ProxyHCExpr aaaaaaaaaaaaaaaa {true}', '3:1 Expression name limited to 15 characters'],
      ['ProxyHCTemplate t hcmethod=GET hcfoo=1', '3:1 ProxyHCTemplate: unknown Worker hcheck parameter hcfoo=1; t'],
      ['ProxyHCTemplate t loadfactor=2', '3:1 ProxyHCTemplate: unknown Worker hcheck parameter loadfactor=2; t'],
      ['ProxyHCTemplate t hcmethod', "3:1 Invalid ProxyHCTemplate parameter. Parameter must be in the form 'key=value'"],
      ['ProxyHCTPsize -1', '3:1 Invalid ProxyHCTPsize parameter. Parameter must be >= 0'],
      ['<VirtualHost *:80>\nProxyHCTPsize 4\n</VirtualHost>', '4:1 ProxyHCTPsize cannot occur within <VirtualHost> section'],
      // The tables are the server's own: a <VirtualHost> does not see the main server's (as apache2).
      ['ProxyHCExpr ok {true}\n<VirtualHost *:80>\nBalancerMember balancer://a http://h hcexpr=ok\n</VirtualHost>', '5:1 BalancerMember Unknown health check condition expr: ok'],
      // A name must be defined before it is used.
      ['BalancerMember balancer://a http://h hcexpr=ok\nProxyHCExpr ok {true}', '3:1 BalancerMember Unknown health check condition expr: ok'],
    ];
    for (const [text, want] of cases) assert.deepEqual(load(text).errors, [want], text);
  });

  test('templates give their values (all of them), later keys override; names are case-insensitive', () => {
    const { r, errors } = load(
      [
        'ProxyHCExpr Ok234 {%{REQUEST_STATUS} =~ /^[234]/}',
        'ProxyHCTemplate T1 hcmethod=GET hcuri=/health hcexpr=ok234 hcfails=3',
        'ProxyHCTemplate bare hcpasses=2',
        'ProxyHCTPsize 4',
        'BalancerMember balancer://a http://h1 hctemplate=t1 hcinterval=500ms',
        'BalancerMember balancer://a http://h2 hcmethod=HEAD11 hcuri=/x hctemplate=BARE',
      ].join('\n'),
    );
    assert.deepEqual(errors, []);
    const [m1, m2] = members(r);
    assert.deepEqual(m1!.params, { hcmethod: 'GET', hcintervalMs: 500, hcpasses: 1, hcfails: 3, hcuri: '/health', hcexpr: 'ok234' });
    assert.equal(m1!.hcCondition?.source, '%{REQUEST_STATUS} =~ /^[234]/');
    // A template without hcmethod is TCP (httpd's method 1), and it clears hcuri.
    assert.deepEqual(m2!.params, { hcmethod: 'TCP', hcintervalMs: 30_000, hcpasses: 2, hcfails: 1 });
    assert.equal((r.model.main.confs.get('proxy_hcheck') as HcheckServerConf).tpsize, 4);
  });

  test('hcmethod=WS is accepted with a warning that httpd would refuse it', () => {
    const { r, errors } = load('BalancerMember balancer://a ws://h hcmethod=ws');
    assert.deepEqual(errors, []);
    assert.match(r.diagnostics.find((d) => d.severity === 'warning')?.message ?? '', /hcmethod=WS is tsproxyd's WebSocket probe/);
    assert.equal(members(r)[0]!.params.hcmethod, 'WS');
  });
});

describe('pass/fail counting (hc_check)', () => {
  test('hcfails failed checks put the member in +C; selection skips it; hcpasses passed checks bring it back', () => {
    const a = member('a');
    const b = member('b');
    const pick = () => bestMember([a, b], LB_METHODS['byrequests']!, 0);
    assert.equal(a.healthChecked(false, 1, 2, 2), undefined);
    assert.equal(a.usable(), true);
    assert.equal(a.healthChecked(false, 2, 2, 2), 'disabled');
    assert.equal(a.has('C'), true);
    assert.equal(a.usable(), false);
    for (let i = 0; i < 6; i++) assert.equal(pick(), b);
    assert.equal(a.healthChecked(false, 3, 2, 2), undefined, 'a failed check of a +C member counts nothing');
    assert.equal(a.healthChecked(true, 4, 2, 2), undefined);
    assert.equal(a.has('C'), true);
    assert.equal(a.healthChecked(true, 5, 2, 2), 'enabled');
    assert.equal(a.usable(), true);
    assert.deepEqual([pick(), pick()].sort(), [a, b].sort());
  });

  test("as httpd, a check of the other outcome does not reset the count (pcount/fcount are only reset when they trigger)", () => {
    const a = member('a');
    a.healthChecked(false, 1, 1, 3);
    a.healthChecked(true, 2, 1, 3);
    a.healthChecked(false, 3, 1, 3);
    assert.equal(a.healthChecked(false, 4, 1, 3), 'disabled');
  });

  test('passed checks also take a member out of error (+E from failed requests); +I does not stop +C', () => {
    const a = member('a');
    a.fail(10);
    assert.equal(a.has('E'), true);
    assert.equal(a.healthChecked(true, 11, 1, 1), 'enabled');
    assert.equal(a.usable(), true);
    const i = member('i', { status: { set: 'I', clear: '' } });
    assert.equal(i.healthChecked(false, 1, 1, 1), 'disabled');
    assert.equal(i.usable(), false);
  });

  test('hcfails=0 and hcpasses=0 trigger on the first check (httpd compares count >= limit)', () => {
    const a = member('a');
    assert.equal(a.healthChecked(false, 1, 0, 0), 'disabled');
    assert.equal(a.healthChecked(true, 2, 0, 0), 'enabled');
  });
});

describe('checks', () => {
  const target = (params: WorkerParams, path = ''): HcTarget => hcTargetOf('balancer://t', member('m', params, path), NO_BACKEND_TLS)!;

  test("a member's check target: its path, '/', hcuri; defaults; no hcmethod or NONE: not checked", () => {
    assert.equal(hcTargetOf('b', member('m'), NO_BACKEND_TLS), undefined);
    assert.equal(hcTargetOf('b', member('m', { hcmethod: 'NONE' }), NO_BACKEND_TLS), undefined);
    const t = target({ hcmethod: 'GET', hcuri: '/health' });
    assert.deepEqual([t.spec.target, t.intervalMs, t.passes, t.fails, t.spec.timeoutMs, t.spec.connectTimeoutMs], ['/health', 30_000, 1, 1, 5000, 5000]);
    assert.equal(target({ hcmethod: 'GET', hcuri: '/health' }, '/app').spec.target, '/app//health');
    assert.equal(target({ hcmethod: 'GET' }).spec.target, '/');
    const bounded = target({ hcmethod: 'TCP', hcintervalMs: 2000, connectionTimeoutMs: 300 });
    assert.deepEqual([bounded.spec.timeoutMs, bounded.spec.connectTimeoutMs], [2000, 300]);
    assert.equal(target({ hcmethod: 'TCP', hcintervalMs: 200 }).spec.timeoutMs, 1000);
    assert.equal(target({ hcmethod: 'TCP', timeoutMs: 9000 }).spec.timeoutMs, 9000);
  });

  test('without hcexpr an HTTP check passes on 2xx and 3xx; TCP and WS when they succeed', () => {
    const get = target({ hcmethod: 'GET' });
    const ok = (status: number): ProbeResult => ({ ok: true, response: response(status) });
    assert.deepEqual([199, 200, 302, 399, 400, 500].map((s) => checkPassed(get, ok(s))), [false, true, true, true, false, false]);
    assert.equal(checkPassed(get, { ok: false, reason: 'ECONNREFUSED' }), false);
    assert.equal(checkPassed(target({ hcmethod: 'TCP' }), { ok: true }), true);
    assert.equal(checkPassed(target({ hcmethod: 'WS' }), ok(101)), true);
    const c = compileHcCondition('c', "hc('body') =~ /ok/");
    assert.ok(c.ok);
    assert.equal(checkPassed({ ...get, condition: c.cond }, ok(500)), false);
    assert.equal(checkPassed({ ...get, condition: c.cond }, { ok: true, response: response(500, 'ok') }), true);
  });

  test('the checker runs at most `concurrency` probes at once, repeats every interval, and stop() ends everything', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const aborted: boolean[] = [];
    const targets = Array.from({ length: 5 }, () => target({ hcmethod: 'TCP', hcintervalMs: 100 }));
    const logs: string[] = [];
    const checker = new HealthChecker(targets, {
      concurrency: 2,
      log: (l) => logs.push(l),
      probe: (_spec, signal) =>
        new Promise((resolve) => {
          running++;
          calls++;
          most = Math.max(most, running);
          const onAbort = (): void => {
            clearTimeout(t);
            running--;
            aborted.push(true);
            resolve({ ok: false, reason: 'stopped' });
          };
          const t = setTimeout(() => {
            running--;
            signal.removeEventListener('abort', onAbort);
            resolve({ ok: false, reason: 'ECONNREFUSED' });
          }, 30);
          signal.addEventListener('abort', onAbort, { once: true });
        }),
    });
    checker.start();
    assert.equal(calls, 0, 'the first checks come one interval after the start');
    for (const t0 = Date.now(); calls < 12 && Date.now() - t0 < 5000; ) await new Promise((r) => setTimeout(r, 10));
    assert.ok(calls >= 12, `${calls} checks`);
    assert.equal(most, 2);
    assert.ok(targets.every((t) => t.member.has('C')), 'each target failed one check (hcfails=1)');
    assert.ok(logs.some((l) => /^\[proxy_hcheck:info\] AH03303: Health check DISABLING http:\/\/127\.0\.0\.1:8000#m in balancer:\/\/t \(ECONNREFUSED\)$/.test(l)), logs.join('\n'));
    checker.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(calls, after, 'no check after stop()');
    assert.equal(running, 0);
    assert.equal(checker.running, 0);
  });
});
