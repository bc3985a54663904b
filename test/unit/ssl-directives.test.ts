import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SectionClass } from '../../src/config/types.js';
import { sslModule } from '../../src/modules/ssl/directives.js';
import { statusModule } from '../../src/modules/status/directives.js';
import { run } from './fake-site.js';

const root = mkdtempSync(join(tmpdir(), 'ssl-'));
writeFileSync(join(root, 'cert.pem'), 'x\n');
writeFileSync(join(root, 'empty.pem'), '');
mkdirSync(join(root, 'cadir'));

const ssl = (name: string, ...words: string[]) => run(sslModule, name, words, { serverRoot: root });
const inSection = (name: string, cls: SectionClass, directive: string, ...words: string[]) =>
  run(sslModule, directive, words, { serverRoot: root, sections: [[name, cls]] });

// [directive, words, httpd 2.4.71's message]
const errors: [string, string[], string][] = [
  ['SSLEngine', ['maybe'], 'Argument must be On or Off'],
  ['SSLCertificateFile', ['/nonexist'], "SSLCertificateFile: file '/nonexist' does not exist or is empty"],
  ['SSLCertificateFile', ['empty.pem'], `SSLCertificateFile: file '${root}/empty.pem' does not exist or is empty`],
  ['SSLCertificateFile', ['cadir'], `SSLCertificateFile: file '${root}/cadir' does not exist or is empty`],
  ['SSLCertificateKeyFile', ['/nonexist'], "SSLCertificateKeyFile: file '/nonexist' does not exist or is empty"],
  ['SSLCertificateChainFile', ['/nonexist'], "SSLCertificateChainFile: file '/nonexist' does not exist or is empty"],
  ['SSLCACertificateFile', ['/nonexist'], "SSLCACertificateFile: file '/nonexist' does not exist or is empty"],
  ['SSLCACertificatePath', ['/nonexist'], "SSLCACertificatePath: directory '/nonexist' does not exist"],
  ['SSLCACertificatePath', ['cert.pem'], `SSLCACertificatePath: directory '${root}/cert.pem' does not exist`],
  ['SSLVerifyClient', ['foo'], "SSLVerifyClient: Invalid argument 'foo'"],
  ['SSLVerifyDepth', ['-1'], "SSLVerifyDepth: Invalid argument '-1'"],
  ['SSLProtocol', ['foo'], "SSLProtocol: Illegal protocol 'foo'"],
  ['SSLProtocol', ['all', '-TLSv1.4'], "SSLProtocol: Illegal protocol 'TLSv1.4'"],
  ['SSLProtocol', ['SSLv2'], 'SSLProtocol: SSLv2 is no longer supported'],
  ['SSLProtocol', ['+SSLv3'], 'SSLv3 not supported by this version of OpenSSL'],
  ['SSLProxyProtocol', ['foo'], "SSLProxyProtocol: Illegal protocol 'foo'"],
  ['SSLCipherSuite', ['TLSv1.4', 'X'], "protocol 'TLSv1.4' not supported"],
  ['SSLCipherSuite', ['tlsv1.3', 'X'], "protocol 'tlsv1.3' not supported"],
  ['SSLHonorCipherOrder', ['x'], 'SSLHonorCipherOrder must be On or Off'],
  ['SSLOptions', ['foo'], "SSLOptions: Illegal option 'foo'"],
  ['SSLOptions', ['+CompatEnvVars'], "SSLOptions: Illegal option 'CompatEnvVars'"],
  ['SSLSessionCache', ['foo'], "SSLSessionCache: 'foo' session cache not supported (known names: dbm,default,memcache,redis,shmcb). Maybe you need to load the appropriate socache module (mod_socache_foo?)."],
  ['SSLSessionCache', ['shmcb:logs/x(abc)'], 'SSLSessionCache: Invalid argument: cache size not numerical'],
  ['SSLSessionCache', ['shmcb:logs/x(100)'], 'SSLSessionCache: Invalid argument: size has to be >= 8192 bytes'],
  ['SSLSessionCache', ['shmcb:logs/x(5000000000)'], 'SSLSessionCache: Invalid argument: size has to be < 4294967295 bytes on this platform'],
  ['SSLSessionCache', ['shmcb:logs/x(512000'], 'SSLSessionCache: Invalid argument: no closing parenthesis or cache size missing after pathname with parenthesis'],
  ['SSLStaplingCache', ['none'], "SSLStaplingCache: 'none' stapling cache not supported (known names: dbm,default,memcache,redis,shmcb) Maybe you need to load the appropriate socache module (mod_socache_none?)"],
  ['SSLStaplingCache', ['shmcb:logs/s(1000)'], 'SSLStaplingCache: Invalid argument: size has to be >= 8192 bytes'],
  ['SSLSessionCacheTimeout', ['-5'], 'SSLSessionCacheTimeout: Invalid argument'],
  ['SSLProxyVerify', ['foo'], "SSLProxyVerify: Invalid argument 'foo'"],
  ['SSLProxyVerifyDepth', ['-1'], "SSLProxyVerifyDepth: Invalid argument '-1'"],
  ['SSLProxyEngine', ['maybe'], 'SSLProxyEngine must be On or Off'],
  ['SSLProxyCACertificatePath', ['/nonexist'], "SSLProxyCACertificatePath: directory '/nonexist' does not exist"],
  ['SSLProxyMachineCertificateFile', ['/nonexist'], "SSLProxyMachineCertificateFile: file '/nonexist' does not exist or is empty"],
  ['SSLRandomSeed', ['foo', 'builtin'], 'SSLRandomSeed: invalid context: `foo\''],
  ['SSLRandomSeed', ['startup', 'foo'], `SSLRandomSeed: source path '${root}/foo' does not exist`],
  ['SSLRandomSeed', ['connect', 'exec:/bin/nonexist'], "SSLRandomSeed: source path '/bin/nonexist' does not exist"],
  ['SSLRandomSeed', ['startup', 'builtin', '512'], 'SSLRandomSeed: byte specification not allowed for builtin seed source'],
  ['SSLPassPhraseDialog', ['foo'], 'SSLPassPhraseDialog: Invalid argument'],
  ['SSLPassPhraseDialog', ['exec:/nonexist'], "SSLPassPhraseDialog: file '/nonexist' does not exist"],
];
for (const [name, words, message] of errors) {
  test(`${name} ${words.join(' ')} → ${message}`, () => assert.equal(ssl(name, ...words).error, message));
}

test('a TLS vhost compiles into typed settings', () => {
  const r = ssl('SSLEngine', 'on');
  const more: [string, ...string[]][] = [
    ['SSLCertificateFile', 'cert.pem'],
    ['SSLCertificateKeyFile', join(root, 'cert.pem')],
    ['SSLProtocol', 'all', '-TLSv1', '-TLSv1.1'],
    ['SSLCipherSuite', 'HIGH:!aNULL'],
    ['SSLCipherSuite', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
    ['SSLHonorCipherOrder', 'off'],
    ['SSLOptions', '+StdEnvVars', '-ExportCertData'],
    ['SSLSessionCache', 'shmcb:logs/ssl(512000)'],
    ['SSLSessionCacheTimeout', '300'],
    ['SSLVerifyDepth', 'x'],
  ];
  for (const [name, ...words] of more) assert.equal(run(sslModule, name, words, { serverRoot: root }, r.conf).error, undefined, name);
  const s = r.conf.server;
  assert.equal(s.engine, true);
  assert.deepEqual(s.certificateFiles, [join(root, 'cert.pem')]);
  assert.deepEqual(s.protocols, ['TLSv1.2', 'TLSv1.3']);
  assert.deepEqual(s.cipherSuite, { SSL: 'HIGH:!aNULL', 'TLSv1.3': 'TLS_AES_256_GCM_SHA384' });
  assert.equal(s.honorCipherOrder, false);
  assert.deepEqual(s.options, [{ op: '+', option: 'StdEnvVars' }, { op: '-', option: 'ExportCertData' }]);
  assert.deepEqual(s.sessionCache, { kind: 'socache', provider: 'shmcb', arg: 'logs/ssl', size: 512000 });
  assert.equal(s.sessionCacheTimeout, 300);
  assert.equal(s.verifyDepth, 0); // httpd's atoi
});

test('SSLProtocol without a +/- after the first word: httpd AH02532 warning', () => {
  const r = ssl('SSLProtocol', 'all', 'TLSv1.3');
  assert.equal(r.error, undefined);
  assert.match(r.reports[0]!.message, /^SSLProtocol: Protocol 'TLSv1.3' overrides already set parameter\(s\)/);
  assert.deepEqual(r.conf.server.protocols, ['TLSv1.3']);
});

test("SSLEngine optional: httpd's AH10510 notice, engine left unset", () => {
  const r = ssl('SSLEngine', 'OPTIONAL');
  assert.equal(r.error, undefined);
  assert.equal(r.conf.server.engine, undefined);
  assert.deepEqual(r.reports[0], { severity: 'notice', message: "'SSLEngine optional' is no longer supported", word: 'OPTIONAL' });
});

test('SSLProxy* in <Proxy>/<ProxyMatch> go to the per-directory proxy settings; elsewhere refused', () => {
  const p = inSection('Proxy', 'Proxy', 'SSLProxyEngine', 'on');
  assert.equal(p.error, undefined);
  assert.equal(p.conf.dir?.proxy.engine, true);
  assert.equal(inSection('ProxyMatch', 'Proxy', 'SSLProxyCheckPeerName', 'off').conf.dir?.proxy.checkPeerName, false);
  assert.equal(inSection('Location', 'Location', 'SSLProxyEngine', 'on').error, 'SSLProxyEngine not allowed in <Location> context');
  assert.equal(inSection('Directory', 'Directory', 'SSLProxyVerify', 'none').error, 'SSLProxyVerify not allowed in <Directory> context');
  assert.equal(ssl('SSLProxyEngine', 'on').conf.server.proxy.engine, true);
  assert.equal(inSection('Location', 'Location', 'SSLVerifyClient', 'require').conf.dir?.verifyClient, 'require');
});

test('SSLRandomSeed and SSLPassPhraseDialog values', () => {
  assert.deepEqual(ssl('SSLRandomSeed', 'startup', 'file:/dev/urandom', '512').conf.server.randomSeeds, [
    { context: 'startup', source: 'file', path: '/dev/urandom', bytes: 512 },
  ]);
  assert.deepEqual(ssl('SSLPassPhraseDialog', '|/bin/cat').conf.server.passPhraseDialog, { kind: 'pipe', program: '/bin/cat' });
});

test('status: ExtendedStatus and SeeRequestTail', () => {
  assert.equal(run(statusModule, 'ExtendedStatus', ['x']).error, 'ExtendedStatus must be On or Off');
  assert.equal(run(statusModule, 'SeeRequestTail', ['on']).conf.server.seeRequestTail, true);
  assert.deepEqual(statusModule.directives.map((d) => d.where), [['server'], ['server']]);
});
