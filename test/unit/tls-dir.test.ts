// mod_ssl's per-directory plan (src/tls/dir.ts: SSLOptions merged main → vhost → <Location>, a <Location>'s
// SSLVerifyClient), its access decision, and the environment of the fixup (src/tls/env.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SslDirSettings, SslOptionChange } from '../../src/modules/ssl/directives.js';
import { clientCertAccess, sslDirPlan } from '../../src/tls/dir.js';
import { sslEnvironment } from '../../src/tls/env.js';

const conf = (options: SslOptionChange[], verifyClient?: SslDirSettings['verifyClient']): SslDirSettings => ({ options, proxy: {}, ...(verifyClient ? { verifyClient } : {}) });

test('SSLOptions: +/- on top of the server, a plain option starts over; SSLVerifyClient only from sections', () => {
  const std = sslDirPlan([conf([{ op: '+', option: 'StdEnvVars' }]), undefined], []);
  assert.deepEqual(std, { stdEnvVars: true, exportCertData: false });
  const off = sslDirPlan([conf([{ op: '+', option: 'StdEnvVars' }])], [conf([{ op: '-', option: 'StdEnvVars' }, { op: '+', option: 'ExportCertData' }], 'require')]);
  assert.deepEqual(off, { verifyClient: 'require', stdEnvVars: false, exportCertData: true });
  const reset = sslDirPlan([conf([{ op: '+', option: 'StdEnvVars' }, { op: '+', option: 'ExportCertData' }])], [conf([{ op: '=', option: 'ExportCertData' }])]);
  assert.deepEqual(reset, { stdEnvVars: false, exportCertData: true });
  assert.equal(sslDirPlan([conf([], 'require')], []).verifyClient, undefined);
});

test('a <Location> SSLVerifyClient stricter than the connection: TLS 1.2 renegotiates, TLS 1.3 is a 403', () => {
  assert.deepEqual(clientCertAccess(undefined, 'none', 'TLSv1.3', 'NONE'), { kind: 'ok' });
  assert.deepEqual(clientCertAccess('require', 'none', 'TLSv1.2', 'NONE'), { kind: 'renegotiate', mode: 'require' });
  assert.deepEqual(clientCertAccess('require', 'optional', 'TLSv1.2', 'SUCCESS'), { kind: 'renegotiate', mode: 'require' });
  assert.equal(clientCertAccess('require', 'none', 'TLSv1.3', 'SUCCESS').kind, 'forbidden');
  assert.equal(clientCertAccess('optional', 'none', 'TLSv1.3', 'NONE').kind, 'forbidden');
});

test('a mode the connection already has: require wants SUCCESS, optional refuses a failed certificate', () => {
  assert.deepEqual(clientCertAccess('require', 'require', 'TLSv1.3', 'SUCCESS'), { kind: 'ok' });
  assert.equal(clientCertAccess('require', 'require', 'TLSv1.2', 'NONE').kind, 'forbidden');
  assert.deepEqual(clientCertAccess('optional', 'optional', 'TLSv1.2', 'NONE'), { kind: 'ok' });
  assert.equal(clientCertAccess('optional', 'require', 'TLSv1.2', 'FAILED:self-signed certificate').kind, 'forbidden');
  assert.deepEqual(clientCertAccess('optional_no_ca', 'optional', 'TLSv1.2', 'FAILED:self-signed certificate'), { kind: 'ok' });
});

test('the fixup environment: HTTPS and SSL_TLS_SNI always, the rest with StdEnvVars, certificates with ExportCertData', () => {
  const vars: Record<string, string> = {
    SSL_TLS_SNI: 'a.test', SSL_PROTOCOL: 'TLSv1.3', SSL_CLIENT_VERIFY: 'NONE', SSL_SERVER_S_DN_CN: 'a.test',
    SSL_SERVER_S_DN_OU: 'One', SSL_SERVER_S_DN_OU_1: 'Two', SSL_SERVER_SAN_DNS_0: 'a.test', SSL_SERVER_SAN_DNS_1: 'www.a.test',
    SSL_SERVER_CERT: '-----BEGIN CERTIFICATE-----', SSL_CIPHER_EXPORT: 'false',
  };
  const ssl = (n: string): string | undefined => vars[n];
  assert.deepEqual([...sslEnvironment(ssl, undefined)], [['HTTPS', 'on'], ['SSL_TLS_SNI', 'a.test']]);
  const std = sslEnvironment(ssl, { stdEnvVars: true, exportCertData: false });
  for (const k of ['SSL_PROTOCOL', 'SSL_CLIENT_VERIFY', 'SSL_SERVER_S_DN_CN', 'SSL_SERVER_S_DN_OU', 'SSL_SERVER_S_DN_OU_1', 'SSL_SERVER_SAN_DNS_0', 'SSL_SERVER_SAN_DNS_1', 'SSL_CIPHER_EXPORT']) {
    assert.equal(std.get(k), vars[k], k);
  }
  assert.equal(std.has('SSL_SERVER_CERT'), false);
  assert.equal(sslEnvironment(ssl, { stdEnvVars: false, exportCertData: true }).get('SSL_SERVER_CERT'), vars['SSL_SERVER_CERT']);
  assert.equal(sslEnvironment((n) => (n === 'SSL_TLS_SNI' ? undefined : vars[n]), undefined).has('SSL_TLS_SNI'), false);
});
