// TLS towards https:// and wss:// backends (src/proxy/backend-tls.ts): the statuses apache2 2.4.71 answers on the
// same settings (checked by hand against local TLS backends: see the comment in backend-tls.ts), with certificates
// made at test time by openssl.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import { createProxyServer, type ProxyServer } from '../../src/server/server.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { makeCerts, type CertDir, type CertFiles } from '../helpers/tls-certs.js';

async function httpsBackend(c: CertFiles): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer({ cert: c.certPem, key: c.keyPem }, (req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`tls ok ${req.url} sni=${(req.socket as unknown as { servername?: string }).servername ?? '-'}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A plain HTTP GET to the proxy. */
function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('https:// and wss:// backends: SSLProxy* as httpd applies them', () => {
  let certs: CertDir;
  let dir: ConfDir;
  let proxy: ProxyServer;
  let port = 0;
  const servers: https.Server[] = [];
  let wss: WebSocketServer;

  before(async () => {
    certs = makeCerts();
    dir = makeConfDir();
    const good = await httpsBackend(certs.leaf('backend', ['IP:127.0.0.1', 'DNS:localhost']));
    const other = await httpsBackend(certs.leaf('other', ['DNS:other.example']));
    const expired = await httpsBackend(certs.leaf('expired', ['IP:127.0.0.1'], { expired: true }));
    const rogue = await httpsBackend(certs.leaf('rogue', ['IP:127.0.0.1'], { selfSigned: true }));
    servers.push(good.server, other.server, expired.server, rogue.server);
    const pair = certs.leaf('wsbackend', ['IP:127.0.0.1']);
    const wsServer = https.createServer({ cert: pair.certPem, key: pair.keyPem });
    wss = new WebSocketServer({ server: wsServer });
    wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
    await new Promise<void>((r) => wsServer.listen(0, '127.0.0.1', r));
    servers.push(wsServer);
    const wsPort = (wsServer.address() as AddressInfo).port;
    const conf = dir.write(
      'tls.conf',
      `Listen 127.0.0.1:1
ServerName main.test
<VirtualHost *:1>
  ServerName default.test
  SSLProxyEngine On
  ProxyPass /good/ https://127.0.0.1:${good.port}/good/
  ProxyPass /other/ https://127.0.0.1:${other.port}/other/
  ProxyPass /expired/ https://127.0.0.1:${expired.port}/expired/
  ProxyPass /rogue/ https://127.0.0.1:${rogue.port}/rogue/
  ProxyPass /ws/ wss://127.0.0.1:${wsPort}/ws/
</VirtualHost>
<VirtualHost *:1>
  ServerName nocheck.test
  SSLProxyEngine On
  SSLProxyCheckPeerName off
  SSLProxyCheckPeerExpire off
  ProxyPass /other/ https://127.0.0.1:${other.port}/other/
  ProxyPass /expired/ https://127.0.0.1:${expired.port}/expired/
</VirtualHost>
<VirtualHost *:1>
  ServerName require.test
  SSLProxyEngine On
  SSLProxyVerify require
  SSLProxyCACertificateFile ${certs.ca.cert}
  ProxyPass /good/ https://127.0.0.1:${good.port}/good/
  ProxyPass /rogue/ https://127.0.0.1:${rogue.port}/rogue/
  ProxyPass /ws/ wss://127.0.0.1:${wsPort}/ws/
</VirtualHost>
<VirtualHost *:1>
  ServerName noengine.test
  ProxyPass /good/ https://127.0.0.1:${good.port}/good/
  ProxyPass /ws/ wss://127.0.0.1:${wsPort}/ws/
</VirtualHost>
`,
    );
    const loaded = loadConfig({ file: conf, env: {} });
    assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    const plan = compilePlan(loaded.model);
    // Served on an ephemeral port; vhost selection does not depend on the port here (all *:1 → the same address set).
    const served = { ...plan, listen: [{ host: '127.0.0.1', port: 0, protocol: 'http' as const }] };
    proxy = createProxyServer({ plan: served, route: (f) => route(plan, { ...f, localPort: 1 }), log: () => undefined });
    port = (await proxy.listen())[0]!.port;
  });

  after(async () => {
    await proxy?.close();
    wss?.close();
    for (const s of servers) s.close();
    dir?.remove();
    certs?.remove();
  });

  const cases: [host: string, path: string, status: number, why: string][] = [
    ['default.test', '/good/x', 200, 'a certificate for 127.0.0.1 passes the default name and expiry checks (SSLProxyVerify none)'],
    ['default.test', '/other/x', 500, 'a certificate for another name fails SSLProxyCheckPeerName (default On) even without verification'],
    ['default.test', '/expired/x', 500, 'an expired certificate fails SSLProxyCheckPeerExpire (default On)'],
    ['default.test', '/rogue/x', 200, 'a self-signed certificate for the right name passes without verification'],
    ['nocheck.test', '/other/x', 200, 'SSLProxyCheckPeerName off accepts another name'],
    ['nocheck.test', '/expired/x', 200, 'SSLProxyCheckPeerExpire off accepts an expired certificate'],
    ['require.test', '/good/x', 200, 'SSLProxyVerify require with the CA that signed it'],
    ['require.test', '/rogue/x', 500, 'SSLProxyVerify require refuses a certificate the CA did not sign'],
    ['noengine.test', '/good/x', 500, 'an https:// backend without SSLProxyEngine On is a 500 (AH00961)'],
  ];
  for (const [host, path, status, why] of cases) {
    test(`${host}${path} → ${status}: ${why}`, async () => {
      const r = await get(port, host, path);
      assert.equal(r.status, status, r.body);
      if (status === 200) assert.match(r.body, new RegExp(`^tls ok ${path}`));
      else if (host !== 'noengine.test') assert.match(r.body, /Error during SSL Handshake with remote server/);
    });
  }

  function wsEcho(host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`, { headers: { Host: host } });
      ws.on('open', () => ws.send('through wss'));
      ws.on('message', (m) => {
        resolve(m.toString());
        ws.close();
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(`HTTP ${res.statusCode}`);
        res.resume();
      });
      ws.on('error', reject);
    });
  }

  test('a WebSocket tunnels to a wss:// backend (ws client → tsproxyd → TLS backend)', async () => {
    assert.equal(await wsEcho('default.test'), 'through wss');
    assert.equal(await wsEcho('require.test'), 'through wss');
  });

  test('a wss:// backend without SSLProxyEngine On refuses the upgrade with 500', async () => {
    assert.equal(await wsEcho('noengine.test'), 'HTTP 500');
  });
});
