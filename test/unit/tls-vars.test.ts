// mod_ssl's variables (src/tls/vars.ts) on a real TLS connection, in the formats httpd 2.4.71 writes them (the same
// values test/conformance/request-cases/tls-client-* compare with apache2): DN text and attributes, verification.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { sslVariable } from '../../src/tls/vars.js';
import { clientCertificate, installCaseCerts } from '../conformance/harness/case-certs.js';

const NAMES = [
  'SSL_CLIENT_S_DN', 'SSL_CLIENT_S_DN_CN', 'SSL_CLIENT_S_DN_O', 'SSL_CLIENT_S_DN_OU', 'SSL_CLIENT_S_DN_OU_1', 'SSL_CLIENT_S_DN_OU_2',
  'SSL_CLIENT_S_DN_L', 'SSL_CLIENT_S_DN_Email', 'SSL_CLIENT_S_DN_UID', 'SSL_CLIENT_S_DN_X', 'SSL_CLIENT_I_DN', 'SSL_CLIENT_I_DN_CN',
  'SSL_CLIENT_VERIFY', 'SSL_CLIENT_M_VERSION', 'SSL_SERVER_S_DN', 'SSL_SERVER_S_DN_CN', 'SSL_PROTOCOL', 'HTTPS', 'SSL_NO_SUCH',
];

let root: string;
let port = 0;
let server: https.Server;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tsp-vars-'));
  installCaseCerts(root, { names: ['a.test'], client: true });
  const read = (f: string) => readFileSync(join(root, 'certs', f));
  server = https.createServer({ cert: read('a.test.crt'), key: read('a.test.key'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const s = req.socket as TLSSocket;
    res.end(JSON.stringify(Object.fromEntries(NAMES.map((n) => [n, sslVariable(s, n) ?? null]))));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

function vars(cert?: { cert: Buffer; key: Buffer }): Promise<Record<string, string | null>> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false, ...(cert ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8'); // the JSON carries the variables' one-char-per-byte strings as they are
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(JSON.parse(body) as Record<string, string | null>));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a verified client certificate: DN in RFC 2253 order with escapes, attributes bare, UTF-8 as bytes', async () => {
  const v = await vars(clientCertificate('client'));
  const koeln = Buffer.from('Köln', 'utf8').toString('latin1');
  assert.equal(v['SSL_CLIENT_S_DN'], `emailAddress=client@example.test,CN=client.test,OU=Ops,OU=QA Team,O=Example\\, Inc.,L=${koeln},C=DE`);
  assert.equal(v['SSL_CLIENT_S_DN_CN'], 'client.test');
  assert.equal(v['SSL_CLIENT_S_DN_O'], 'Example, Inc.');
  assert.equal(v['SSL_CLIENT_S_DN_OU'], 'QA Team', 'the first OU, in certificate order');
  assert.equal(v['SSL_CLIENT_S_DN_OU_1'], 'Ops');
  assert.equal(v['SSL_CLIENT_S_DN_OU_2'], null);
  assert.equal(v['SSL_CLIENT_S_DN_L'], koeln);
  assert.equal(v['SSL_CLIENT_S_DN_Email'], 'client@example.test');
  assert.equal(v['SSL_CLIENT_S_DN_UID'], null);
  assert.equal(v['SSL_CLIENT_S_DN_X'], null, 'not an attribute httpd names');
  assert.equal(v['SSL_CLIENT_I_DN'], 'CN=tsproxyd test CA');
  assert.equal(v['SSL_CLIENT_I_DN_CN'], 'tsproxyd test CA');
  assert.equal(v['SSL_CLIENT_VERIFY'], 'SUCCESS');
  assert.equal(v['SSL_CLIENT_M_VERSION'], '3');
  assert.equal(v['SSL_SERVER_S_DN'], 'CN=a.test');
  assert.equal(v['SSL_SERVER_S_DN_CN'], 'a.test');
  assert.equal(v['SSL_PROTOCOL'], 'TLSv1.3');
  assert.equal(v['HTTPS'], 'on');
  assert.equal(v['SSL_NO_SUCH'], null);
});

test('a self-signed client certificate: FAILED with OpenSSL\'s text, as httpd writes it', async () => {
  const v = await vars(clientCertificate('rogue'));
  assert.equal(v['SSL_CLIENT_VERIFY'], 'FAILED:self-signed certificate');
  assert.equal(v['SSL_CLIENT_S_DN_CN'], 'rogue');
});

test('no client certificate: NONE, and no client DN', async () => {
  const v = await vars();
  assert.equal(v['SSL_CLIENT_VERIFY'], 'NONE');
  assert.equal(v['SSL_CLIENT_S_DN'], null);
  assert.equal(v['SSL_CLIENT_S_DN_CN'], null);
});
