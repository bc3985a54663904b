// The upgrade decision of the matcher chain (src/route/upgrade.ts, route.ts): which requests go to the backend
// with their Upgrade, which go on as plain HTTP, which get httpd's legacy 426, and which ws:// rules the legacy
// path skips. The tunnel itself is tested end to end in test/e2e and against apache2 in test/conformance.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsFor } from '../helpers/facts.js';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import type { Plan, RequestFacts } from '../../src/route/types.js';
import { canUpgrade } from '../../src/route/upgrade.js';

function plan(text: string): Plan {
  const r = loadConfig({ file: '/nonexistent/upgrade-test.conf', text, env: {} });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return compilePlan(r.model);
}

const facts = (target: string, upgrade?: string): RequestFacts => factsFor(target, upgrade !== undefined ? { upgrade } : {});

/** "ws://b:1/x upgrade=websocket", "http://b:1/x plain", "426 Upgrade: WebSocket", "404". */
function outcome(p: Plan, target: string, upgrade?: string): string {
  const d = route(p, facts(target, upgrade));
  if (d.kind === 'respond') return `${d.status}${d.headers ? ` ${d.headers.map(([n, v]) => `${n}: ${v}`).join(', ')}` : ''}`;
  const u = d.upgrade;
  return `${d.backend.scheme}://${d.backend.host}:${d.backend.port}${d.path} ${u ? `upgrade=${u.protocol}${u.legacy ? ' legacy' : ''}` : 'plain'}`;
}

describe('upgrade decisions (ProxyWebsocketFallbackToProxyHttp On, the default)', () => {
  const p = plan(`
ProxyPass /ws/ ws://b:1/ws/
ProxyPass /any/ http://b:1/any/ upgrade=ANY
ProxyPass /list/ http://b:1/list/ upgrade=foo,Bar
ProxyPass /none/ ws://b:1/none/ upgrade=NONE
ProxyPass /named/ http://b:1/named/ upgrade=websocket
ProxyPass /http/ http://b:1/http/
`);
  const cases: [string, string | undefined, string][] = [
    ['/ws/x', 'websocket', 'ws://b:1/ws/x upgrade=websocket'],
    ['/ws/x', 'WebSocket', 'ws://b:1/ws/x upgrade=WebSocket'],
    ['/ws/x', undefined, 'ws://b:1/ws/x plain'],
    ['/ws/x', 'foo', 'ws://b:1/ws/x plain'],
    ['/any/x', 'foo/1', 'http://b:1/any/x upgrade=foo/1'],
    ['/any/x', 'websocket', 'http://b:1/any/x upgrade=websocket'],
    ['/list/x', 'bar', 'http://b:1/list/x upgrade=bar'],
    ['/list/x', 'baz', 'http://b:1/list/x plain'],
    ['/none/x', 'websocket', 'ws://b:1/none/x plain'],
    ['/none/x', 'NONE', 'ws://b:1/none/x upgrade=NONE'],
    ['/named/x', 'websocket', 'http://b:1/named/x upgrade=websocket'],
    ['/http/x', 'websocket', 'http://b:1/http/x plain'],
    // h2c is never forwarded, even with upgrade=ANY (tsproxyd).
    ['/any/x', 'h2c', 'http://b:1/any/x plain'],
    ['/any/x', ' H2C ', 'http://b:1/any/x plain'],
  ];
  for (const [target, upgrade, expected] of cases) {
    test(`${target} Upgrade: ${upgrade ?? '(none)'} → ${expected}`, () => assert.equal(outcome(p, target, upgrade), expected));
  }
});

describe('the legacy path (ProxyWebsocketFallbackToProxyHttp Off)', () => {
  const p = plan(`
ProxyWebsocketFallbackToProxyHttp Off
ProxyPass /other/ http://b:3/other/ upgrade=websocket
ProxyPass /app/ws/ ws://b:1/app/ws/
ProxyPass / ws://b:1/
ProxyPass / http://b:2/
`);
  test('a ws:// rule is skipped for a request without Upgrade: the http:// rule after it serves it', () => {
    assert.equal(outcome(p, '/app/ws/x'), 'http://b:2/app/ws/x plain');
    assert.equal(outcome(p, '/page'), 'http://b:2/page plain');
  });
  test('with Upgrade: websocket the first ws:// rule tunnels, sending "WebSocket" as httpd\'s wstunnel does', () => {
    assert.equal(outcome(p, '/app/ws/x', 'websocket'), 'ws://b:1/app/ws/x upgrade=WebSocket legacy');
  });
  test('a mismatched Upgrade gets 426 naming what the route accepts', () => {
    assert.equal(outcome(p, '/app/ws/x', 'foo'), '426 Upgrade: WebSocket, Connection: Upgrade');
  });
  test('http:// routes with upgrade= stay on mod_proxy_http\'s path', () => {
    assert.equal(outcome(p, '/other/x', 'websocket'), 'http://b:3/other/x upgrade=websocket');
    assert.equal(outcome(p, '/other/x', 'foo'), 'http://b:3/other/x plain');
  });
});

describe('ProxyWebsocketFallbackToProxyHttp Off with no rule after the ws:// one', () => {
  const p = plan(`
ProxyWebsocketFallbackToProxyHttp Off
ProxyPass /ws/ ws://b:1/ws/
`);
  test('a plain request finds no rule (404), an upgrade tunnels', () => {
    assert.equal(outcome(p, '/ws/x'), '404');
    assert.equal(outcome(p, '/ws/x', 'websocket'), 'ws://b:1/ws/x upgrade=WebSocket legacy');
  });
});

describe('canUpgrade (ap_proxy_worker_can_upgrade)', () => {
  test('ANY accepts everything, a list its members case-insensitively, ws:// URLs "websocket"', () => {
    assert.equal(canUpgrade(['*'], false, 'anything'), true);
    assert.equal(canUpgrade(['foo', 'bar'], false, 'BAR'), true);
    assert.equal(canUpgrade(['foo'], true, 'websocket'), false);
    assert.equal(canUpgrade(undefined, true, 'WEBSOCKET'), true);
    assert.equal(canUpgrade(undefined, false, 'websocket'), false);
  });
});

describe('ProxyWebsocketIdleTimeout and the fallback flag reach the settings', () => {
  test('server value, overridden in a <Location>', () => {
    const p = plan(`
ProxyWebsocketIdleTimeout 30
<Location /slow/>
  ProxyWebsocketIdleTimeout 300
  ProxyPass ws://b:1/slow/
</Location>
ProxyPass /ws/ ws://b:1/ws/
`);
    const a = route(p, facts('/ws/x', 'websocket'));
    const b = route(p, facts('/slow/x', 'websocket'));
    assert.equal(a.settings?.wsIdleTimeoutMs, 30_000);
    assert.equal(b.settings?.wsIdleTimeoutMs, 300_000);
    assert.equal(a.settings?.wsFallback, true);
  });
});
