// Core directives and sections against httpd 2.4.71's verdicts and messages (checked with `apache2 -t`):
// Listen addresses, ServerName, <VirtualHost> addresses, one-argument containers, backend URL hosts, and
// mod_rewrite's ASCII-only blanks.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import { hostResolvable, isInetAton, isIPv6, parseAddrPort, parseListen } from '../../src/modules/core/listen.js';
import { parseTargetUrl } from '../../src/modules/proxy/target-url.js';
import { parseArgLine } from '../../src/modules/rewrite/parse.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const dir = makeConfDir();
after(() => dir.remove());

/** Configs are files of bytes (read as latin1): write each char as one byte, so U+00A0 is byte 0xA0. */
function load(text: string): LoadResult {
  const file = dir.write(`case-${Math.random().toString(36).slice(2)}.conf`, '');
  writeFileSync(file, text, 'latin1');
  return loadConfig({ file, serverRoot: dir.root, env: {} });
}

function errors(text: string): string[] {
  return load(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.loc.line}: ${d.message}`);
}

const cases: [text: string, expected: string[]][] = [
  // Listen: apr_parse_addr_port, then getaddrinfo (alloc_listener: "Listen setup failed").
  ['Listen 1127.0.0.1:20001\n', ['1: Listen setup failed']],
  ['Listen +127.0.0.1:80\n', ['1: Listen setup failed']],
  ['Listen 256.1.1.1:80\n', ['1: Listen setup failed']],
  ['Listen 1.2.3.4.5:80\n', ['1: Listen setup failed']],
  ['Listen 0x:80\n', ['1: Listen setup failed']],
  ['Listen 08.1.1.1:80\n', ['1: Listen setup failed']],
  ['Listen 1.2.65536:80\n', ['1: Listen setup failed']],
  ['Listen a..b:80\n', ['1: Listen setup failed']],
  ['Listen x:1:80\n', ['1: Listen setup failed']],
  ['Listen [::ffff:01.2.3.4]:80\n', ['1: Listen setup failed']],
  ['Listen [::1::2]:80\n', ['1: Invalid address or port']],
  ['Listen [*]:80\n', ['1: Invalid address or port']],
  ['Listen [1.2.3.4]:80\n', ['1: Invalid address or port']],
  ['Listen []:80\n', ['1: Invalid address or port']],
  ['Listen [::1]x:80\n', ['1: Invalid address or port']],
  ['Listen :80\n', ['1: Invalid address or port']],
  ['Listen 127.0.0.1:0\n', ['1: Invalid address or port']],
  ['Listen [::1]\n', ['1: Port must be specified']],
  ['Listen 127.0.0.1:20001\n', []],
  ['Listen 1.2.3:20002\n', []],
  ['Listen 127.1:20003\n', []],
  ['Listen 0x7f.1:20004\n', []],
  ['Listen 4294967295:20005\n', []],
  ['Listen [::1]:20006\n', []],
  ['Listen ::1:20007\n', []],
  ['Listen [::ffff:1.2.3.4]:20008\n', []],
  ['Listen [1:2:3:4:5:6:7:8]:20009\n', []],
  ['Listen [fe80::1%lo]:20010\n', []],
  ['Listen localhost:20011\n', []],
  ['Listen *:20012\n', []],
  // ServerName: core.c server_hostname_port.
  ['ServerName *\n', ['1: Invalid ServerName "*" use ServerAlias to set multiple server names.']],
  ['ServerName [,,,]vh1.example.test\n', ['1: Invalid ServerName "[,,,]vh1.example.test" use ServerAlias to set multiple server names.']],
  ['ServerName a?b\n', ['1: Invalid ServerName "a?b" use ServerAlias to set multiple server names.']],
  ['ServerName [::1]:80\n', ['1: Invalid ServerName "[::1]:80" use ServerAlias to set multiple server names.']],
  ['ServerName http://a:b\n', ['1: The port number "http://a:b" is outside the appropriate range (i.e., 1..65535).']],
  ['ServerName a:\n', ['1: The port number "a:" is outside the appropriate range (i.e., 1..65535).']],
  ['ServerName a[b\n', []],
  ['ServerName a\\*b\n', []],
  ['ServerName a:80x\n', []],
  ['ServerName a:1:2\n', []],
  ['ServerName http://a:80\n', []],
  // <VirtualHost> addresses: vhost.c get_addresses.
  ['<VirtualHost :18080>\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost *\r:18080>\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost [::1::2]:80>\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost *:0>\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost *:70000>\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost [::1]x>\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost ":80">\n</VirtualHost>\n', ['1: The address or port is invalid']],
  ['<VirtualHost 80>\n</VirtualHost>\n', ['1: Missing address for VirtualHost']],
  ['<VirtualHost *:* _default_:80 [::1]:80 *>\n</VirtualHost>\n', []],
  // One path per container (core.c dirsection, urlsection, filesection), one expression per <If>.
  ['<Location /a "">\n</Location>\n', ['1: Multiple <Location> arguments not (yet) supported.']],
  ['<location /a b>\n</location>\n', ['1: Multiple <Location> arguments not (yet) supported.']],
  ['<Location ~ ^/a b>\n</Location>\n', ['1: Multiple <Location> arguments not (yet) supported.']],
  ['<LocationMatch "^/a" "">\n</LocationMatch>\n', ['1: Multiple <LocationMatch> arguments not (yet) supported.']],
  ['<Directory /a b>\n</Directory>\n', ['1: Multiple <Directory> arguments not (yet) supported.']],
  ['<DirectoryMatch ^/a b>\n</DirectoryMatch>\n', ['1: Multiple <DirectoryMatch> arguments not (yet) supported.']],
  ['<Files a "">\n</Files>\n', ['1: Multiple <Files> arguments not (yet) supported.']],
  ['<FilesMatch a b>\n</FilesMatch>\n', ['1: Multiple <FilesMatch> arguments not (yet) supported.']],
  ['<If "true" x>\n</If>\n', ['1: Multiple <If> arguments not supported.']],
  ['<If "true">\n</If>\n<ElseIf "true" "">\n</ElseIf>\n', ['3: Multiple <ElseIf> arguments not supported.']],
  ['<Location ~ "">\n</Location>\n<Location ~>\n</Location>\n', []],
  // Backend URLs: apr_uri_parse takes the port from the FIRST ':' of the host part.
  ['ProxyPass /d http://::?(/\n', ['1: ProxyPass Unable to parse URL: http://::?(/']],
  ['ProxyPass /d http://a:1:2/\n', ['1: ProxyPass Unable to parse URL: http://a:1:2/']],
  ['ProxyPass /d http://:80/\n', ['1: ProxyPass URL must be absolute!: http://:80/']],
  ['ProxyPass /d http://[::1]:80/\n', []],
];

for (const [text, expected] of cases) {
  test(`httpd's verdict: ${JSON.stringify(text)}`, () => {
    assert.deepEqual(errors(text), expected);
  });
}

test('parseAddrPort is apr_parse_addr_port', () => {
  assert.deepEqual(parseAddrPort('80'), { host: undefined, scopeId: undefined, port: 80 });
  assert.deepEqual(parseAddrPort('a:80'), { host: 'a', scopeId: undefined, port: 80 });
  assert.deepEqual(parseAddrPort('a:'), { host: 'a:', scopeId: undefined, port: 0 });
  assert.deepEqual(parseAddrPort('a:b'), { host: 'a:b', scopeId: undefined, port: 0 });
  assert.deepEqual(parseAddrPort('[fe80::1%eth0]:8'), { host: 'fe80::1', scopeId: 'eth0', port: 8 });
  assert.equal(parseAddrPort('[::1%]:8'), undefined);
  assert.equal(parseAddrPort('0'), undefined);
  assert.equal(parseAddrPort('a:65536'), undefined);
  assert.equal(parseAddrPort(':1'), undefined);
});

test('address syntax: inet_aton, inet_pton(AF_INET6), host names', () => {
  for (const ok of ['1', '1.2', '1.2.3', '1.2.3.4', '0x7f.0.0.1', '017.1.1.1', '255.255.65535']) assert.ok(isInetAton(ok), ok);
  for (const bad of ['', '1.', '.1', '1..2', '1.2.3.4.5', '256.1.1.1', '0x', '08', '1.2.3.256', '1.16777216', 'a']) {
    assert.ok(!isInetAton(bad), bad);
  }
  for (const ok of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', 'fe80::1']) assert.ok(isIPv6(ok, true), ok);
  for (const bad of ['', ':', ':1', '1:', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1.2.3.4', 'g::', '::01.2.3.4']) {
    assert.ok(!isIPv6(bad, true), bad);
  }
  assert.ok(isIPv6('::01.2.3.4', false)); // APR's copy allows leading zeros in the dotted quad
  for (const ok of ['localhost', 'a-b.example', 'x_y', 'example.com.', '1e1', 'a1.2']) assert.ok(hostResolvable(ok), ok);
  for (const bad of ['+127.0.0.1', '1127.0.0.1', 'a b', 'a*', 'a..b', '.a', 'x:1', '\u00e9.example', 'a'.repeat(64)]) {
    assert.ok(!hostResolvable(bad), bad);
  }
  assert.deepEqual(parseListen(['[::1]:443']), { ok: true, value: { host: '::1', port: 443, protocol: 'https' } });
});

test('parseTargetUrl: the host part as apr_uri_parse splits it', () => {
  const ok = parseTargetUrl('http://u@h:81/p?q', 'ProxyPass');
  assert.ok(ok.ok && ok.value.host === 'h' && ok.value.port === 81 && ok.value.path === '/p?q');
  assert.deepEqual(parseTargetUrl('http://::?(/', 'ProxyPass'), { ok: false, error: 'ProxyPass Unable to parse URL: http://::?(/' });
  const v6 = parseTargetUrl('ws://[::1]:9/x', 'ProxyPass');
  assert.ok(v6.ok && v6.value.host === '::1' && v6.value.port === 9);
});

test('mod_rewrite: only ASCII blanks separate arguments and flags (U+00A0 and U+FEFF are characters)', () => {
  assert.deepEqual(parseArgLine('^/a\u00a0b /c'), { a1: '^/a\u00a0b', a2: '/c', trailing: '' });
  assert.deepEqual(parseArgLine('^/a /c [L]\u00a0'), { a1: '^/a', a2: '/c', a3: '[L]\u00a0', trailing: '' });
  assert.deepEqual(parseArgLine('a\\\u00a0b c'), { a1: 'a\\\u00a0b', a2: 'c', trailing: '' });
  assert.deepEqual(parseArgLine('a b c \v d\u00a0'), { a1: 'a', a2: 'b', a3: 'c', trailing: 'd\u00a0' });
  assert.equal(parseArgLine('\ufeffonly'), undefined);
  assert.deepEqual(errors('RewriteEngine On\nRewriteRule ^/a /b [L,\u00a0NC]\n'), ["2: RewriteRule: unknown flag '\u00a0NC'"]);
});
