// The library API (src/index.ts) mounted in a plain node:http server the test owns: requests are proxied and
// WebSockets tunnelled by tsproxyd's own pipeline, a reload swaps the routes, and a configuration with errors is
// refused with located diagnostics.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ConfigError, createProxy, type ConfiguredProxy } from '../../src/index.js';
import { headerOf, startBackend, type RecordingBackend } from '../helpers/backend.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { get } from '../helpers/conf-proxy.js';
import { inboxOf, once, openWs, terminateAll } from '../helpers/ws-client.js';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';

describe('createProxy() mounted in an application-owned http.Server', () => {
  let app: RecordingBackend;
  let wsb: WsBackend;
  let proxy: ConfiguredProxy;
  let server: http.Server;
  let port = 0;
  let dir: ConfDir;
  const conf = (appPath: string) =>
    [`ProxyPass /ws/ ws://127.0.0.1:${wsb.port}/ws/`, `ProxyPass / http://127.0.0.1:${app.port}${appPath}`, 'RequestHeader set X-Via-Library yes', ''].join('\n');

  before(async () => {
    app = await startBackend();
    wsb = await startWsBackend();
    dir = makeConfDir();
    proxy = await createProxy({ configFile: dir.write('site.conf', conf('/')) });
    server = http.createServer(proxy.handle);
    server.on('upgrade', proxy.upgrade);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    terminateAll();
    await proxy?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await app?.close();
    await wsb?.close();
    dir?.remove();
  });

  test('an HTTP request is proxied with the configuration\'s headers', async () => {
    const r = await get(port, '/hello?x=1');
    assert.deepEqual([r.status, r.body], [200, 'ok']);
    const seen = app.requests.at(-1)!;
    assert.equal(seen.path, '/hello?x=1');
    assert.equal(headerOf(seen, 'x-via-library'), 'yes');
    assert.equal(headerOf(seen, 'x-forwarded-for'), '127.0.0.1');
    assert.equal(headerOf(seen, 'x-forwarded-host'), `127.0.0.1:${port}`);
  });

  test('a WebSocket upgrade is tunnelled to the ws:// backend', async () => {
    const { ws } = await openWs(`ws://127.0.0.1:${port}/ws/chat`);
    ws.send('hello through the library');
    assert.equal((await inboxOf(ws).next(5000)).data.toString(), 'hello through the library');
    assert.equal(wsb.upgrades.at(-1)?.url, '/ws/chat');
    ws.close();
    await once(ws, 'close');
  });

  test('a route without a backend answers as httpd: 503; warnings are in diagnostics', async () => {
    const other = await createProxy({ configText: 'ProxyPass / http://127.0.0.1:9/\nProxyPass /x http://127.0.0.1:9/x\n', fileName: 'dead.conf' });
    const s = http.createServer(other.handle);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      assert.equal((await get((s.address() as AddressInfo).port, '/')).status, 503);
      const shadowed = other.diagnostics.find((d) => d.severity === 'warning');
      assert.deepEqual([shadowed?.file.endsWith('/dead.conf'), shadowed?.line], [true, 2], JSON.stringify(other.diagnostics));
    } finally {
      await other.close();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  test('reload() serves the next requests with the new configuration; one with errors is refused', async () => {
    const diagnostics = await proxy.reload({ configText: conf('/v2/') });
    assert.deepEqual(diagnostics, []);
    assert.equal((await get(port, '/x')).status, 200);
    assert.equal(app.requests.at(-1)!.path, '/v2/x');
    await assert.rejects(proxy.reload({ configText: 'ProxyPass / http://127.0.0.1:1/\nProxyPasss /\n' }), ConfigError);
    assert.equal((await get(port, '/y')).status, 200);
    assert.equal(app.requests.at(-1)!.path, '/v2/y', 'the previous configuration still serves');
    await proxy.reload(); // the file it was created with
    await get(port, '/z');
    assert.equal(app.requests.at(-1)!.path, '/z');
  });
});

describe('createProxy() with a configuration with errors', () => {
  test('configText: rejected with every error, each located (file:line:col)', async () => {
    const text = ['ProxyPass / http://127.0.0.1:3000/', 'ProxyPasss /x http://b/', '  Timeout abc def', ''].join('\n');
    const err = await createProxy({ configText: text, serverRoot: '/srv/site', fileName: 'proxy.conf' }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    const errors = err.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => [d.file, d.line, d.column]),
      [
        ['/srv/site/proxy.conf', 2, 1],
        ['/srv/site/proxy.conf', 3, 3],
      ],
    );
    assert.match(err.message, /^2 configuration errors:/);
    assert.match(err.message, /Invalid command 'ProxyPasss'.*did you mean 'ProxyPass'/);
    assert.match(err.message, /--> \/srv\/site\/proxy\.conf:2:1/);
    assert.match(err.message, /--> \/srv\/site\/proxy\.conf:3:3/);
  });

  test('configFile: a missing Include is reported where it stands', async () => {
    const dir = makeConfDir();
    try {
      const file = dir.write('main.conf', 'ServerName localhost\nInclude missing/*.conf\n');
      await assert.rejects(createProxy({ configFile: file }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, new RegExp(`--> ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:1`));
        return true;
      });
    } finally {
      dir.remove();
    }
  });
});
