// The pure member selection (src/balancer): byrequests/bybusyness/bytraffic pick sequences, lbset tiers, hot
// standby and hot spare, retry windows, force recovery, and the lease's failover loop. The sequences are the ones
// apache2 2.4.71 produces for the same members (test/conformance/request-cases/balancer-*).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BalancerDef, BalancerMember } from '../../src/modules/proxy/types.js';
import type { BalancerParams, WorkerParams } from '../../src/modules/proxy/worker-params.js';
import { BalancerLease } from '../../src/balancer/lease.js';
import { LB_METHODS } from '../../src/balancer/lbmethods.js';
import { MemberState } from '../../src/balancer/member.js';
import { BalancerRuntime, BalancerStates } from '../../src/balancer/runtime.js';
import { bestMember, forceRecovery, routeMember } from '../../src/balancer/select.js';

const LOC = { file: 't.conf', line: 1, col: 1 };

function member(name: string, params: WorkerParams = {}): BalancerMember {
  return { url: { scheme: 'http', host: '127.0.0.1', port: 8000, path: `/${name}`, raw: `http://127.0.0.1:8000/${name}` }, params, loc: LOC };
}

function def(members: BalancerMember[], params: BalancerParams = {}): BalancerDef {
  return { name: 'c', members, params, loc: LOC };
}

const short = (m: MemberState | undefined): string => (m === undefined ? '-' : m.def.url.path.slice(1));

/** n picks with byrequests' or another method's election, as a string of member names. */
function sequence(members: MemberState[], n: number, method = 'byrequests', now = 0): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(short(bestMember(members, LB_METHODS[method]!, now)));
  return out.join(' ');
}

const states = (...ms: BalancerMember[]): MemberState[] => ms.map((m, i) => new MemberState(m, i));

describe('byrequests', () => {
  test('loadfactors 1/2/3 pick c b a c b c, repeating (as apache2)', () => {
    const ms = states(member('a', { loadfactor: 1 }), member('b', { loadfactor: 2 }), member('c', { loadfactor: 3 }));
    assert.equal(sequence(ms, 12), 'c b a c b c c b a c b c');
  });

  test('equal factors rotate in config order; lbstatus sums stay zero', () => {
    const ms = states(member('a'), member('b'), member('c'));
    assert.equal(sequence(ms, 7), 'a b c a b c a');
    assert.equal(ms.reduce((s, m) => s + m.lbstatus, 0), 0);
  });

  test('1/1/1/2 gives the fourth member twice the share', () => {
    const ms = states(member('a'), member('b'), member('c'), member('d', { loadfactor: 2 }));
    const seq = sequence(ms, 50).split(' ');
    assert.equal(seq.filter((x) => x === 'd').length, 20);
    assert.equal(seq.filter((x) => x === 'a').length, 10);
  });

  test('fractional loadfactors are normalised x100 (1.5 against 1: 3 picks in 5)', () => {
    const ms = states(member('a', { loadfactor: 1.5 }), member('b'));
    assert.equal(ms[0]!.lbfactor, 150);
    assert.equal(sequence(ms, 5).split(' ').filter((x) => x === 'a').length, 3);
  });

  test('a disabled, stopped or draining member is skipped; the others keep their rotation', () => {
    const ms = states(member('a'), member('b', { status: { set: 'D', clear: '' } }), member('c'), member('d', { status: { set: 'N', clear: '' } }), member('e', { status: { set: 'S', clear: '' } }));
    assert.equal(sequence(ms, 4), 'a c a c');
  });
});

describe('bybusyness and bytraffic', () => {
  test('bybusyness: nothing in flight falls back to the byrequests counting (1/3: b a b b)', () => {
    const ms = states(member('a', { loadfactor: 1 }), member('b', { loadfactor: 3 }));
    assert.equal(sequence(ms, 8, 'bybusyness'), 'b a b b b a b b');
  });

  test('bybusyness: the member with fewer requests in flight wins', () => {
    const ms = states(member('a'), member('b'), member('c'));
    ms[0]!.busy = 2;
    ms[1]!.busy = 1;
    assert.equal(short(bestMember(ms, LB_METHODS.bybusyness!, 0)), 'c');
    ms[2]!.busy = 5;
    assert.equal(short(bestMember(ms, LB_METHODS.bybusyness!, 0)), 'b');
  });

  test('bytraffic: least bytes per loadfactor, the first on a tie', () => {
    const ms = states(member('a'), member('b', { loadfactor: 2 }));
    assert.equal(short(bestMember(ms, LB_METHODS.bytraffic!, 0)), 'a');
    ms[0]!.read = 1000;
    ms[1]!.read = 1500; // 1500 / 2 per factor: less than a's 1000
    assert.equal(short(bestMember(ms, LB_METHODS.bytraffic!, 0)), 'b');
    ms[1]!.transferred = 600; // (600 + 1500) / 2 = 1050 > 1000
    assert.equal(short(bestMember(ms, LB_METHODS.bytraffic!, 0)), 'a');
  });
});

describe('lbset tiers, hot standby, hot spare', () => {
  test('a higher lbset only when the lower one has nothing usable', () => {
    const ms = states(member('t1', { lbset: 1 }), member('t0a'), member('t0b'));
    assert.equal(sequence(ms, 4), 't0a t0b t0a t0b');
    ms[1]!.fail(0);
    ms[2]!.fail(0);
    assert.equal(sequence(ms, 2, 'byrequests', 1), 't1 t1');
  });

  test('an empty lbset between two is passed over', () => {
    const ms = states(member('x', { lbset: 2 }), member('y', { lbset: 0, status: { set: 'D', clear: '' } }));
    assert.equal(short(bestMember(ms, LB_METHODS.byrequests!, 0)), 'x');
  });

  test('a hot standby takes requests only when every other member of its lbset is unusable', () => {
    const ms = states(member('hot', { status: { set: 'H', clear: '' } }), member('live'));
    assert.equal(sequence(ms, 3), 'live live live');
    ms[1]!.fail(0);
    assert.equal(sequence(ms, 2, 'byrequests', 1), 'hot hot');
  });

  test('a standby of a lower lbset wins over the members of a higher one', () => {
    const ms = states(member('up', { lbset: 1 }), member('hot', { status: { set: 'H', clear: '' } }), member('down'));
    ms[2]!.fail(0);
    assert.equal(short(bestMember(ms, LB_METHODS.byrequests!, 1)), 'hot');
  });

  test('hot spares stand in for as many unusable members as there are (apache2: p1 spare p1)', () => {
    const ms = states(member('spare', { status: { set: 'R', clear: '' } }), member('p1'), member('p2', { status: { set: 'D', clear: '' } }));
    assert.equal(sequence(ms, 3), 'p1 spare p1');
    const none = states(member('spare', { status: { set: 'R', clear: '' } }), member('p1'), member('p2'));
    assert.equal(sequence(none, 4), 'p1 p2 p1 p2');
  });

  test('nothing usable: no member', () => {
    const ms = states(member('a', { status: { set: 'D', clear: '' } }), member('b', { status: { set: 'S', clear: '' } }));
    assert.equal(bestMember(ms, LB_METHODS.byrequests!, 0), undefined);
    assert.equal(bestMember([], LB_METHODS.byrequests!, 0), undefined);
  });
});

describe('error state and retry', () => {
  test('a member in error comes back once retry= has passed', () => {
    const ms = states(member('a', { retryMs: 5000 }), member('b'));
    ms[0]!.fail(1000);
    assert.equal(sequence(ms, 2, 'byrequests', 5999), 'b b');
    assert.equal(short(bestMember(ms, LB_METHODS.byrequests!, 6000)), 'a');
    assert.equal(ms[0]!.retries, 1);
  });

  test('+I: never put in error; +E from the config is retried on first use; a stopped member never', () => {
    const [i, e, s] = states(member('i', { status: { set: 'I', clear: '' } }), member('e', { status: { set: 'E', clear: '' } }), member('s', { status: { set: 'SE', clear: '' } }));
    assert.equal(i!.fail(1), false);
    assert.equal(i!.usable(), true);
    assert.equal(e!.usable(), false);
    e!.retry(0);
    assert.equal(e!.usable(), true);
    s!.retry(1e12);
    assert.equal(s!.usable(), false);
  });

  test('force recovery: all members in error are taken out of it, only when forcerecovery is on', () => {
    const ms = states(member('a'), member('b'));
    for (const m of ms) m.fail(0);
    assert.equal(forceRecovery(ms, false, 1), false);
    assert.equal(ms.some((m) => m.usable()), false);
    assert.equal(forceRecovery(ms, true, 1), true);
    assert.equal(ms.every((m) => m.usable()), true);
    ms[0]!.fail(2);
    assert.equal(forceRecovery(ms, true, 3), false, 'one member still fine: nothing to recover');
    assert.equal(ms[0]!.usable(), false);
  });
});

describe('route members', () => {
  test('the member with the route; a standby only when no ordinary member has it usable', () => {
    const ms = states(member('n1', { route: 'n1' }), member('h1', { route: 'n1', status: { set: 'H', clear: '' } }), member('n2', { route: 'n2' }));
    assert.equal(short(routeMember(ms, 'n1', 0)), 'n1');
    ms[0]!.fail(0);
    assert.equal(short(routeMember(ms, 'n1', 1)), 'h1');
    assert.equal(routeMember(ms, 'zz', 1), undefined);
  });

  test('an unusable member hands over to its redirect= member; a redirect cycle ends', () => {
    const ms = states(member('n1', { route: 'n1' }), member('n3', { route: 'n3', redirect: 'n1' }), member('x', { route: 'x', redirect: 'y' }), member('y', { route: 'y', redirect: 'x' }));
    ms[1]!.fail(0);
    assert.equal(short(routeMember(ms, 'n3', 1)), 'n1');
    ms[2]!.fail(0);
    ms[3]!.fail(0);
    assert.equal(routeMember(ms, 'x', 1), undefined);
  });
});

describe('the balancer runtime and lease', () => {
  const pickInput = { url: 'balancer://c/x', cookie: undefined };

  test('BALANCER_* of a pick; busy counts taken and given back', () => {
    const rt = new BalancerRuntime(def([member('a', { route: 'ra' }), member('b')]));
    const p = rt.pick(pickInput, 0);
    assert.equal(p.kind, 'member');
    if (p.kind !== 'member') return;
    assert.deepEqual(Object.fromEntries(p.env), { BALANCER_NAME: 'balancer://c', BALANCER_WORKER_NAME: 'http://127.0.0.1:8000/a', BALANCER_WORKER_ROUTE: 'ra' });
    assert.equal(p.member.busy, 1);
    rt.release(p.member, 10, 20);
    assert.deepEqual([p.member.busy, p.member.transferred, p.member.read], [0, 10, 20]);
  });

  test('sticky: the route in the cookie, ROUTE_CHANGED when the lbmethod had to choose', () => {
    const rt = new BalancerRuntime(def([member('a', { route: 'n1' }), member('b', { route: 'n2' })], { stickysession: 'ROUTEID' }));
    const routed = rt.pick({ url: 'balancer://c/x', cookie: 'ROUTEID=.n2' }, 0);
    assert.equal(routed.kind === 'member' && routed.member.route, 'n2');
    assert.equal(routed.kind === 'member' && routed.env.get('BALANCER_ROUTE_CHANGED'), undefined);
    assert.equal(routed.kind === 'member' && routed.env.get('BALANCER_SESSION_ROUTE'), 'n2');
    const fresh = rt.pick({ url: 'balancer://c/x', cookie: undefined }, 0);
    assert.equal(fresh.kind === 'member' && fresh.env.get('BALANCER_ROUTE_CHANGED'), '1');
  });

  test('nofailover: a route whose member is unusable is a 503, an unknown route is not', () => {
    const rt = new BalancerRuntime(def([member('a', { route: 's1' }), member('b', { route: 's2' })], { stickysession: 'ROUTEID', nofailover: true }));
    rt.members[1]!.fail(0);
    assert.equal(rt.pick({ url: 'balancer://c/x', cookie: 'ROUTEID=.s2' }, 1).kind, 'unavailable');
    assert.equal(rt.pick({ url: 'balancer://c/x', cookie: 'ROUTEID=.s9' }, 1).kind, 'member');
  });

  test('lease: a refused connect fails over up to maxattempts (default: members - 1), then stops', () => {
    const rt = new BalancerRuntime(def([member('a'), member('b'), member('c')]));
    const lease = new BalancerLease(rt, pickInput, (m) => short(m));
    assert.deepEqual(lease.start(0), { kind: 'attempt', next: 'a' });
    assert.deepEqual(lease.failed(503, 0, true), { kind: 'attempt', next: 'b' });
    assert.deepEqual(lease.failed(503, 0, true), { kind: 'attempt', next: 'c' });
    assert.equal(lease.failed(503, 0, true).kind, 'stop');
    assert.deepEqual(rt.members.map((m) => m.usable()), [false, false, false]);
    lease.release(0, 0);
    assert.deepEqual(rt.members.map((m) => m.busy), [0, 0, 0]);
  });

  test('lease: 500 marks the member but tries no other; +I members are never retried elsewhere', () => {
    const rt = new BalancerRuntime(def([member('a'), member('b', { status: { set: 'I', clear: '' } })]));
    const l1 = new BalancerLease(rt, pickInput, (m) => short(m));
    l1.start(0);
    assert.equal(l1.failed(500, 0, true).kind, 'stop');
    assert.equal(rt.members[0]!.usable(), false);
    const l2 = new BalancerLease(rt, pickInput, (m) => short(m));
    assert.deepEqual(l2.start(1), { kind: 'attempt', next: 'b' });
    assert.equal(l2.failed(503, 1, true).kind, 'stop');
    assert.equal(rt.members[1]!.usable(), true);
  });

  test('lease: maxattempts=0 never retries; a non-retryable failure (body sent) never retries', () => {
    const rt = new BalancerRuntime(def([member('a'), member('b')], { maxattempts: 0 }));
    const l = new BalancerLease(rt, pickInput, (m) => short(m));
    l.start(0);
    assert.equal(l.failed(503, 0, true).kind, 'stop');
    const rt2 = new BalancerRuntime(def([member('a'), member('b')]));
    const l2 = new BalancerLease(rt2, pickInput, (m) => short(m));
    l2.start(0);
    assert.equal(l2.failed(503, 0, false).kind, 'stop');
  });

  test('failonstatus and failontimeout put the member in error; other statuses do not', () => {
    const rt = new BalancerRuntime(def([member('a'), member('b')], { failonstatus: [500, 502], failontimeout: true }));
    const l = new BalancerLease(rt, pickInput, (m) => short(m));
    l.start(0);
    assert.equal(l.answered(404, 0), false);
    assert.equal(l.answered(502, 0), true);
    assert.equal(rt.members[0]!.usable(), false);
    const l2 = new BalancerLease(rt, pickInput, (m) => short(m));
    l2.start(1);
    assert.equal(l2.timedOut(1), true);
    assert.equal(rt.members[1]!.usable(), false);
  });

  test('BalancerStates keeps one runtime per balancer definition', () => {
    const s = new BalancerStates();
    const d = def([member('a')]);
    assert.equal(s.of(d), s.of(d));
    assert.notEqual(s.of(d), s.of(def([member('a')])));
  });
});
