// A real browser through tsproxyd's TLS listener (issue #7): headless Chromium (Debian's `chromium`, driven by
// playwright-core) opens https://app.test:PORT/ on the real tsproxyd process; the page comes from an http backend,
// and its script opens wss://app.test:PORT/ws, which tsproxyd tunnels to a `ws` echo backend (ProxyPass /ws ws://…).
// The test reads what the page shows: every message echoed back through TLS, tsproxyd and the tunnel.
//
// How the browser trusts the test CA (made at run time by openssl, test/helpers/tls-certs.ts):
// `--ignore-certificate-errors-spki-list=<base64 SHA-256 of the CA's SubjectPublicKeyInfo>`. Chromium then accepts
// a chain that contains a certificate with that key, and only such a chain. tsproxyd sends the CA with the leaf
// (SSLCertificateChainFile), so the pin is on the CA, not on the leaf: a listener that dropped the chain file fails
// the test, and nochain.test (the address default, no chain file) is refused, so the pin does not accept everything. The alternative, an NSS database ($HOME/.pki/nssdb, certutil from libnss3-tools) with the CA as a trusted
// root, needs one more package and depends on how a given Chromium build treats locally added roots; the SPKI flag is
// a documented Chromium switch honoured whenever a user-data-dir is set (playwright always sets one).
// `--host-resolver-rules` maps the test names to 127.0.0.1, so the browser sends the real name as SNI and Host.
//
// Skipped (with the reason) only when no Chromium is installed; .ci/run installs Debian's.
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { freePorts } from '../conformance/harness/ports.js';
import type { ServerProcess } from '../conformance/harness/server-process.js';
import { startTsproxyd } from '../conformance/harness/tsproxyd-server.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { makeCerts, type CertDir } from '../helpers/tls-certs.js';

const CHROMIUM = process.env['TSPROXYD_CHROMIUM'] ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;

/** The page: opens wss://<its own host>/ws, sends three messages, lists what comes back, then says it is done. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>tsproxyd wss test</title></head>
<body><h1 id="scheme"></h1><ul id="log"></ul>
<script>
const log = (t) => { const li = document.createElement('li'); li.textContent = t; document.getElementById('log').appendChild(li); };
document.getElementById('scheme').textContent = location.protocol;
const ws = new WebSocket('wss://' + location.host + '/ws/chat?room=1');
const sent = ['one', 'two', 'three ' + 'x'.repeat(70000)];
let got = 0;
ws.onopen = () => { for (const m of sent) ws.send(m); };
ws.onmessage = (e) => {
  log('echo: ' + (e.data.length > 40 ? e.data.slice(0, 10) + '…(' + e.data.length + ')' : e.data));
  if (++got === sent.length) { ws.close(1000, 'bye'); }
};
ws.onerror = () => log('error');
ws.onclose = (e) => { log('closed ' + e.code); document.body.dataset.done = 'yes'; };
</script></body></html>`;

/** base64(SHA-256(SubjectPublicKeyInfo)): Chromium's form for --ignore-certificate-errors-spki-list. */
function spkiHash(pem: Buffer): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

describe('a browser through the TLS listener: https page, wss WebSocket', { skip: missing }, () => {
  let certs: CertDir;
  let dir: ConfDir;
  let proxy: ServerProcess;
  let browser: Browser;
  let port = 0;
  const pageServer = http.createServer();
  const wsHttp = http.createServer();
  const wss = new WebSocketServer({ server: wsHttp });
  const seen: { page: http.IncomingHttpHeaders[]; ws: { url: string; headers: http.IncomingHttpHeaders }[] } = { page: [], ws: [] };

  before(async () => {
    certs = makeCerts();
    const app = certs.leaf('app.test', ['DNS:app.test']);
    const other = certs.leaf('other.test', ['DNS:other.test']);
    const nochain = certs.leaf('nochain.test', ['DNS:nochain.test']);
    pageServer.on('request', (req, res) => {
      seen.page.push(req.headers);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(req.headers['x-forwarded-server'] === 'other.test' ? '<!doctype html><title>other</title><p id="who">other.test</p>' : PAGE);
    });
    wss.on('connection', (ws, req) => {
      seen.ws.push({ url: req.url ?? '', headers: req.headers });
      ws.on('message', (m, binary) => ws.send(m, { binary }));
    });
    await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => wsHttp.listen(0, '127.0.0.1', r));
    const pagePort = (pageServer.address() as AddressInfo).port;
    const wsPort = (wsHttp.address() as AddressInfo).port;
    [port] = (await freePorts(1)) as [number];
    dir = makeConfDir();
    dir.write('logs/.keep', '');
    const conf = dir.write(
      'httpd.conf',
      [
        'LoadModule ssl_module modules/mod_ssl.so',
        'LoadModule proxy_module modules/mod_proxy.so',
        'LoadModule proxy_http_module modules/mod_proxy_http.so',
        'LoadModule proxy_wstunnel_module modules/mod_proxy_wstunnel.so',
        'ServerName localhost',
        `Listen 127.0.0.1:${port}`,
        // The first vhost is the address default: the one a client without SNI gets.
        `<VirtualHost *:${port}>`,
        '    ServerName nochain.test',
        '    SSLEngine on',
        `    SSLCertificateFile "${nochain.cert}"`,
        `    SSLCertificateKeyFile "${nochain.key}"`,
        `    ProxyPass "/" "http://127.0.0.1:${pagePort}/"`,
        '</VirtualHost>',
        `<VirtualHost *:${port}>`,
        '    ServerName app.test',
        '    SSLEngine on',
        `    SSLCertificateFile "${app.cert}"`,
        `    SSLCertificateKeyFile "${app.key}"`,
        `    SSLCertificateChainFile "${certs.ca.cert}"`,
        `    ProxyPass "/ws/" "ws://127.0.0.1:${wsPort}/echo/"`,
        `    ProxyPass "/" "http://127.0.0.1:${pagePort}/"`,
        '</VirtualHost>',
        `<VirtualHost *:${port}>`,
        '    ServerName other.test',
        '    SSLEngine on',
        `    SSLCertificateFile "${other.cert}"`,
        `    SSLCertificateKeyFile "${other.key}"`,
        `    SSLCertificateChainFile "${certs.ca.cert}"`,
        `    ProxyPass "/" "http://127.0.0.1:${pagePort}/"`,
        '</VirtualHost>',
        '',
      ].join('\n'),
    );
    proxy = await startTsproxyd(conf, { ports: [port] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [`--host-resolver-rules=MAP app.test 127.0.0.1, MAP other.test 127.0.0.1, MAP nochain.test 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spkiHash(certs.ca.certPem)}`],
    });
  });

  after(async () => {
    await browser?.close();
    await proxy?.stop();
    wss.close();
    await new Promise((r) => pageServer.close(r));
    await new Promise((r) => wsHttp.close(r));
    dir?.remove();
    certs?.remove();
  });

  test('a vhost that sends its leaf without the CA is refused: the browser trusts the CA pin, not any certificate', async () => {
    const page = await browser.newPage();
    try {
      await assert.rejects(page.goto(`https://nochain.test:${port}/`), /ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await page.close();
    }
  });

  test('the https page loads with the app.test certificate, and its wss:// WebSocket echoes every message', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`https://app.test:${port}/`);
      assert.ok(response, 'no response');
      assert.equal(response.status(), 200);
      const sec = await response.securityDetails();
      assert.equal(sec?.subjectName, 'app.test');
      assert.equal(sec?.issuer, 'tsproxyd test CA');
      assert.equal(sec?.protocol, 'TLS 1.3');
      await page.waitForSelector('body[data-done="yes"]', { timeout: 15_000 });
      assert.equal(await page.textContent('#scheme'), 'https:');
      const lines = await page.$$eval('#log li', (els) => els.map((e) => e.textContent));
      assert.deepEqual(lines, ['echo: one', 'echo: two', 'echo: three xxxx…(70006)', 'closed 1000']);
      // What the backends got: the page request with X-Forwarded-Host, the upgrade at the mapped path with the
      // page's https origin.
      assert.equal(seen.page.at(-1)?.['x-forwarded-host'], `app.test:${port}`);
      const up = seen.ws.at(-1);
      assert.equal(up?.url, '/echo/chat?room=1');
      assert.equal(up?.headers['origin'], `https://app.test:${port}`);
    } finally {
      await page.close();
    }
  });

  test('SNI: other.test on the same port gets its own certificate and virtual host', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`https://other.test:${port}/`);
      assert.equal(response?.status(), 200);
      assert.equal((await response?.securityDetails())?.subjectName, 'other.test');
      assert.equal(await page.textContent('#who'), 'other.test');
    } finally {
      await page.close();
    }
  });

});
