// Tests of the conformance harness itself (no apache2 needed): output parsers, case metadata, rendering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseApacheErrors } from './harness/apache.js';
import { parseCaseMeta } from './harness/cases.js';
import { parseSyntaxErrorChain } from './harness/outcome.js';
import { placeholdersIn, render } from './harness/render.js';
import { parseTsproxydErrors } from './harness/tsproxyd.js';

test('apache2 walk-phase error: file and line from the AH00526 line, message from the next', () => {
  const [e] = parseApacheErrors(
    "AH00526: Syntax error on line 42 of /srv/conf/proxy.conf:\nInvalid command 'ProxyPasss', perhaps misspelled\n",
  );
  assert.deepEqual(e?.where, { file: '/srv/conf/proxy.conf', line: 42 });
  assert.equal(e?.message, "Invalid command 'ProxyPasss', perhaps misspelled");
});

test('apache2 read-phase error through Includes: the innermost location wins', () => {
  const [e] = parseApacheErrors(
    '[Sat Nov 21 23:49:27.167 2026] [so:warn] [pid 1] AH01574: module x is already loaded, skipping\n' +
      'apache2: Syntax error on line 12 of /r/main.conf: Syntax error on line 3 of /r/conf.d/app.conf: ' +
      '</VirtualHost> without matching <VirtualHost> section\n',
  );
  assert.deepEqual(e?.where, { file: '/r/conf.d/app.conf', line: 3 });
  assert.equal(e?.chain.length, 2);
  assert.equal(e?.message, '</VirtualHost> without matching <VirtualHost> section');
});

test('apache2 unclosed-section message keeps its own FILE:LINE text but the location comes from the chain', () => {
  const [e] = parseApacheErrors('apache2: Syntax error on line 5 of /r/a.conf: /r/a.conf:5: <VirtualHost> was not closed.\n');
  assert.deepEqual(e?.where, { file: '/r/a.conf', line: 5 });
});

test('apache2 message truncated at 8 KB: no location', () => {
  const [e] = parseApacheErrors('apache2: Syntax error on line 8 of /r/main.conf: Syntax error on line 2 of /r/a.conf: Syntax erro\n');
  assert.equal(e?.where, undefined);
  assert.equal(e?.truncated, true);
});

test('apache2 errors without a location', () => {
  const [e] = parseApacheErrors('AH00534: apache2: Configuration error: No MPM loaded.\n');
  assert.equal(e?.where, undefined);
  assert.equal(e?.message, 'AH00534: apache2: Configuration error: No MPM loaded.');
});

test('tsproxyd errors: every "tsproxyd: Syntax error" line, detail lines ignored', () => {
  const errors = parseTsproxydErrors(
    'tsproxyd: Syntax error on line 9 of /r/x.conf: Invalid command \'Foo\'\n  --> /r/x.conf:9:1\n' +
      'tsproxyd: Syntax error on line 1 of /r/main.conf: Syntax error on line 4 of /r/inc.conf: bad\n',
  );
  assert.deepEqual(
    errors.map((e) => e.where),
    [
      { file: '/r/x.conf', line: 9 },
      { file: '/r/inc.conf', line: 4 },
    ],
  );
});

test('a chain stops at the first text that is not "Syntax error on line N of F: "', () => {
  assert.deepEqual(parseSyntaxErrorChain('Syntax error on line 3 of /a b.conf: RewriteRule: bad flag delimiters'), {
    chain: [{ file: '/a b.conf', line: 3 }],
    message: 'RewriteRule: bad flag delimiters',
  });
  assert.equal(parseSyntaxErrorChain('Syntax OK'), undefined);
});

test('case metadata', () => {
  const meta = parseCaseMeta(
    '# What it shows.\n# args: -D A -D B\n# env: X=@SERVERROOT@/y\n# expect: ok\n' +
      '# tsproxyd-diverges: error -- safer\nServerRoot "@SERVERROOT@"\n# expect: error\n',
    'case.conf',
  );
  assert.deepEqual(meta, {
    expect: 'ok',
    args: ['-D', 'A', '-D', 'B'],
    env: { X: '@SERVERROOT@/y' },
    diverges: { verdict: 'error', reason: 'safer' },
    description: 'What it shows.',
  });
  assert.throws(() => parseCaseMeta('# no expect\nListen 80\n', 'c.conf'), /missing "# expect/);
  assert.throws(() => parseCaseMeta('# expect: fine\n', 'c.conf'), /must be ok or error/);
  assert.throws(() => parseCaseMeta('# expect: ok\n# args: -X\n', 'c.conf'), /-D NAME/);
  assert.throws(() => parseCaseMeta('# expect: ok\n# tsproxyd-diverges: ok -- same\n', 'c.conf'), /not a divergence/);
});

test('render replaces placeholders in place and refuses unknown ones', () => {
  assert.deepEqual(placeholdersIn('Listen @PORT@\nProxyPass / http://h:@PORT2@/ # @PORT@ webmaster@localhost'), ['PORT', 'PORT2']);
  assert.equal(render('a @X@ b\n@X@', { X: '1' }, 't'), 'a 1 b\n1');
  assert.throws(() => render('@SERVEROOT@', { SERVERROOT: '/r' }, 't.conf'), /t\.conf: unknown placeholder @SERVEROOT@/);
});
