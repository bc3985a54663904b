// TLS listeners (src/tls): which certificate SNI selects, the SNI/Host check (421), client certificates and the
// mod_ssl variables they give RequestHeader and RewriteCond, WebSocket over TLS, session resumption, and the
// `--check` errors for unusable certificate files. Certificates are made at test time by openssl.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import { createProxyServer, type ProxyServer } from '../../src/server/server.js';
import { listenerTls } from '../../src/tls/listener.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { makeCerts, type CertDir, type CertFiles } from '../helpers/tls-certs.js';

interface Seen {
  readonly status: number;
  readonly body: string;
  readonly cn: string | undefined;
  readonly resumed: boolean;
  readonly session: Buffer | undefined;
}

/** One HTTPS request over its own TLS connection; the certificate's CN the server presented comes back too. */
function request(port: number, o: { sni?: string; host: string; path: string; client?: CertFiles; session?: Buffer }): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      ...(o.sni !== undefined ? { servername: o.sni } : {}),
      ...(o.client ? { cert: o.client.certPem, key: o.client.keyPem } : {}),
      ...(o.session ? { session: o.session } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    let session: Buffer | undefined;
    sock.on('session', (s: Buffer) => (session = s));
    let data = '';
    sock.setEncoding('latin1');
    let cn: string | undefined;
    let resumed = false;
    sock.on('secureConnect', () => {
      cn = sock.getPeerCertificate()?.subject?.CN as string | undefined;
      resumed = sock.isSessionReused();
      sock.write(`GET ${o.path} HTTP/1.1\r\nHost: ${o.host}\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', (d: string) => (data += d));
    sock.on('error', reject);
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (!m) return reject(new Error(`no response (${JSON.stringify(data.slice(0, 80))})`));
      resolve({ status: Number(m[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4), cn, resumed, session });
    });
  });
}

describe('TLS listeners: SNI, client certificates, mod_ssl variables', () => {
  let certs: CertDir;
  let dir: ConfDir;
  let proxy: ProxyServer;
  let backend: http.Server;
  let wss: WebSocketServer;
  let port = 0;
  let client: CertFiles;
  let stranger: CertFiles;

  before(async () => {
    certs = makeCerts();
    dir = makeConfDir();
    const a = certs.leaf('a.test', ['DNS:a.test']);
    const b = certs.leaf('b.test', ['DNS:b.test']);
    const c = certs.leaf('c.test', ['DNS:c.test']);
    client = certs.leaf('client', ['DNS:client']);
    stranger = certs.leaf('stranger', ['DNS:stranger'], { selfSigned: true });
    // The backend answers with what it received, so the tests see the proxy's headers.
    backend = http.createServer((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      const h = (n: string) => `${n}=${req.headers[n.toLowerCase()] ?? '-'}`;
      res.end([req.url, h('X-Proto'), h('X-Client-DN'), h('X-Verify'), h('X-Https'), h('X-Rw'), h('X-Forwarded-Host')].join('\n'));
    });
    wss = new WebSocketServer({ server: backend });
    wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const be = (backend.address() as AddressInfo).port;
    const conf = dir.write(
      'tls.conf',
      `Listen 127.0.0.1:1
ServerName main.test
<VirtualHost *:1>
  ServerName a.test
  SSLEngine on
  SSLCertificateFile ${a.cert}
  SSLCertificateKeyFile ${a.key}
  RequestHeader set X-Proto "%{SSL_PROTOCOL}s"
  RewriteEngine on
  RewriteCond %{HTTPS} =on
  RewriteCond %{SSL:SSL_TLS_SNI} (.+)
  RewriteRule ^/rw/ - [E=RW:%1]
  RequestHeader set X-Rw "%{RW}e" env=RW
  ProxyPass /ws ws://127.0.0.1:${be}/ws
  ProxyPass / http://127.0.0.1:${be}/a/
</VirtualHost>
<VirtualHost *:1>
  ServerName b.test
  SSLEngine on
  SSLCertificateFile ${b.cert}
  SSLCertificateKeyFile ${b.key}
  SSLStrictSNIVHostCheck on
  ProxyPass / http://127.0.0.1:${be}/b/
</VirtualHost>
<VirtualHost *:1>
  ServerName c.test
  SSLEngine on
  SSLCertificateFile ${c.cert}
  SSLCertificateKeyFile ${c.key}
  SSLVerifyClient optional
  SSLCACertificateFile ${certs.ca.cert}
  RequestHeader set X-Client-DN "%{SSL_CLIENT_S_DN}s"
  RequestHeader set X-Verify "%{SSL_CLIENT_VERIFY}s"
  RequestHeader set X-Https "%{HTTPS}s"
  ProxyPass / http://127.0.0.1:${be}/c/
</VirtualHost>
`,
    );
    const loaded = loadConfig({ file: conf, env: {} });
    assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    const plan = compilePlan(loaded.model);
    const served = { ...plan, listen: [{ host: '127.0.0.1', port: 0, protocol: 'http' as const }] };
    proxy = createProxyServer({
      plan: served,
      route: (f) => route(plan, { ...f, localPort: 1 }),
      listenerTls: (host) => listenerTls(plan, host, 1),
      log: () => undefined,
    });
    port = (await proxy.listen())[0]!.port;
  });

  after(async () => {
    await proxy?.close();
    wss?.close();
    backend?.close();
    dir?.remove();
    certs?.remove();
  });

  test('SNI picks the virtual host certificate; no SNI gets the first vhost of the address', async () => {
    assert.equal((await request(port, { sni: 'b.test', host: 'b.test', path: '/x' })).cn, 'b.test');
    assert.equal((await request(port, { sni: 'a.test', host: 'a.test', path: '/x' })).cn, 'a.test');
    assert.equal((await request(port, { host: 'b.test', path: '/x' })).cn, 'a.test');
    assert.equal((await request(port, { sni: 'unknown.test', host: 'a.test', path: '/x' })).cn, 'a.test');
  });

  test('the request goes to the Host vhost; SSL_PROTOCOL reaches RequestHeader', async () => {
    const r = await request(port, { sni: 'a.test', host: 'a.test', path: '/x' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^\/a\/x\n/);
    assert.match(r.body, /X-Proto=TLSv1\.[23]\n/);
    assert.match(r.body, /X-Forwarded-Host=a\.test/);
  });

  test('SNI and Host naming vhosts with different certificates: 421 (httpd 2.4.64+ ssl_server_compatible counts them)', async () => {
    assert.equal((await request(port, { sni: 'a.test', host: 'b.test', path: '/x' })).status, 421);
    assert.equal((await request(port, { host: 'c.test', path: '/x' })).status, 421); // no SNI: the address default's
  });

  test('SNI and Host naming vhosts with different TLS settings: 421 Misdirected Request', async () => {
    assert.equal((await request(port, { sni: 'a.test', host: 'c.test', path: '/x' })).status, 421);
    assert.equal((await request(port, { sni: 'c.test', host: 'b.test', path: '/x' })).status, 421);
  });

  test('SSLStrictSNIVHostCheck on: a client without SNI may not reach that vhost (403), others may', async () => {
    assert.equal((await request(port, { host: 'b.test', path: '/x' })).status, 403);
    assert.equal((await request(port, { host: 'a.test', path: '/x' })).status, 200);
    assert.equal((await request(port, { sni: 'b.test', host: 'b.test', path: '/x' })).status, 200);
  });

  test('RewriteCond %{HTTPS} and %{SSL:…} see the connection', async () => {
    const r = await request(port, { sni: 'a.test', host: 'a.test', path: '/rw/z' });
    assert.match(r.body, /X-Rw=a\.test\n/);
  });

  test('SSLVerifyClient optional: a verified client certificate gives its DN and SUCCESS', async () => {
    const r = await request(port, { sni: 'c.test', host: 'c.test', path: '/x', client });
    assert.equal(r.status, 200);
    assert.match(r.body, /X-Client-DN=CN=client\n/);
    assert.match(r.body, /X-Verify=SUCCESS\n/);
    assert.match(r.body, /X-Https=on\n/);
  });

  test('SSLVerifyClient optional: no certificate is NONE and "(null)" for the DN', async () => {
    const r = await request(port, { sni: 'c.test', host: 'c.test', path: '/x' });
    assert.equal(r.status, 200);
    assert.match(r.body, /X-Client-DN=\(null\)\n/);
    assert.match(r.body, /X-Verify=NONE\n/);
  });

  test('SSLVerifyClient optional: a certificate the CA did not sign ends the connection', async () => {
    await assert.rejects(request(port, { sni: 'c.test', host: 'c.test', path: '/x', client: stranger }));
  });

  test('a WebSocket over TLS (wss://) is tunnelled to the ws:// backend', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { servername: 'a.test', headers: { Host: 'a.test' }, rejectUnauthorized: false } as ConstructorParameters<typeof WebSocket>[2]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const echoed = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
    ws.send('over tls');
    assert.equal(await echoed, 'over tls');
    ws.close();
  });

  test('TLS sessions are resumed, by the virtual host that made them only', async () => {
    const first = await request(port, { sni: 'b.test', host: 'b.test', path: '/x' });
    assert.ok(first.session, 'a session ticket was issued');
    const second = await request(port, { sni: 'b.test', host: 'b.test', path: '/x', session: first.session! });
    assert.equal(second.resumed, true);
    const elsewhere = await request(port, { sni: 'a.test', host: 'a.test', path: '/x', session: first.session! });
    assert.equal(elsewhere.resumed, false);
    assert.equal(elsewhere.cn, 'a.test');
  });

  test("plain HTTP on the TLS port: mod_ssl's 400 page in plain text, and the connection closed", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n'));
      let data = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => (data += d));
      s.on('error', reject);
      s.on('close', () => resolve(data));
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /\r\nConnection: close\r\n/);
    assert.match(answer, /You're speaking plain HTTP to an SSL-enabled server port\.<br \/>\n Instead use the HTTPS scheme/);
  });
});

describe('--check: certificate files a TLS listener cannot use', () => {
  let certs: CertDir;
  let dir: ConfDir;
  before(() => {
    certs = makeCerts();
    dir = makeConfDir();
  });
  after(() => {
    dir?.remove();
    certs?.remove();
  });

  function errorsFor(sslLines: string): string[] {
    const conf = dir.write('c.conf', `Listen 127.0.0.1:8443\nServerName main.test\n<VirtualHost *:8443>\n  SSLEngine on\n${sslLines}\n</VirtualHost>\n`);
    return loadConfig({ file: conf, env: {} }).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.line}: ${d.message}`);
  }

  test('a key that belongs to another certificate', () => {
    const a = certs.leaf('one', ['DNS:one']);
    const b = certs.leaf('two', ['DNS:two']);
    assert.deepEqual(errorsFor(`  SSLCertificateFile ${a.cert}\n  SSLCertificateKeyFile ${b.key}`), [
      `3: <VirtualHost *:8443>: the private key in ${b.key} does not belong to the certificate in ${a.cert}`,
    ]);
  });

  test('SSLEngine on without a certificate', () => {
    assert.match(errorsFor('')[0] ?? '', /no SSLCertificateFile is configured/);
  });

  test('an encrypted key', () => {
    const a = certs.leaf('enc', ['DNS:enc']);
    const enc = dir.write('enc.key', encryptKey(a.keyPem));
    assert.match(errorsFor(`  SSLCertificateFile ${a.cert}\n  SSLCertificateKeyFile ${enc}`)[0] ?? '', /is encrypted; tsproxyd has no SSLPassPhraseDialog/);
  });
});

function encryptKey(pem: Buffer): string {
  // node:crypto writes an encrypted PKCS#8 PEM.
  return createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
}
