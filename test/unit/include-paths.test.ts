// resolveInclude (src/config/include-paths.ts) against the file system, as httpd 2.4's
// ap_process_fnmatch_configs: expectations checked with `apache2 -t` (2.4.71). It never throws.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveInclude, type IncludeResult } from '../../src/config/include-paths.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const dir = makeConfDir('tsproxyd-include-');
after(() => dir.remove());
const R = dir.root;

dir.write('d/a.conf', '');
symlinkSync('/nonexistent-tsproxyd', join(R, 'd/bad.conf')); // dangling
dir.write('w/a/x.conf', '');
mkdirSync(join(R, 'w/b'));
symlinkSync('/nonexistent-tsproxyd', join(R, 'w/dangle'));
symlinkSync('a', join(R, 'w/lnk')); // a symlink to a directory
dir.write('loop/sub/a.conf', '');
symlinkSync('..', join(R, 'loop/sub/up')); // loop/sub/up/sub/up/… until ELOOP
dir.write('h/.hidden.conf', '');
dir.write('h/v.conf', '');

function run(arg: string, optional = false): IncludeResult | string {
  try {
    const r = resolveInclude(arg, R, optional);
    return r.ok ? { ok: true, files: r.files.map((f) => f.slice(R.length + 1)) } : r;
  } catch (e) {
    return `threw ${String(e)}`;
  }
}

const cases: [arg: string, optional: boolean, expected: IncludeResult][] = [
  ['d', false, { ok: false, error: `Could not open configuration file ${R}/d/bad.conf: No such file or directory` }],
  ['d/', false, { ok: false, error: `Could not open configuration file ${R}/d/bad.conf: No such file or directory` }],
  ['d', true, { ok: true, files: ['d/a.conf'] }],
  ['d/*.conf', false, { ok: false, error: `Could not open configuration file ${R}/d/bad.conf: No such file or directory` }],
  ['d/*.conf', true, { ok: true, files: ['d/a.conf'] }],
  ['w/*', false, { ok: false, error: `Could not open configuration file ${R}/w/dangle: No such file or directory` }],
  ['w/*', true, { ok: true, files: ['w/a/x.conf', 'w/lnk/x.conf'] }],
  // After a wildcard that is not the last part only real directories match (not symlinks), as httpd.
  ['w/*/x.conf', false, { ok: false, error: `Could not open configuration file ${R}/w/b/x.conf: No such file or directory` }],
  ['w/*/x.conf', true, { ok: true, files: ['w/a/x.conf'] }],
  ['w/*/', false, { ok: true, files: ['w/a/x.conf'] }],
  ['w/a/*/', false, { ok: false, error: `Include/IncludeOptional: No matches for the wildcard '*' in '${R}/w/a', failing` }],
  ['w/z*/x.conf', false, { ok: false, error: `Include/IncludeOptional: No matches for the wildcard 'z*' in '${R}/w', failing` }],
  ['w/z*/x.conf', true, { ok: true, files: [] }],
  ['w/dangle/*', false, { ok: false, error: `Include/IncludeOptional: Could not open directory ${R}/w/dangle: No such file or directory` }],
  ['w/dangle/*', true, { ok: true, files: [] }],
  ['w/a/x.conf/*', true, { ok: false, error: `Include/IncludeOptional: Could not open directory ${R}/w/a/x.conf: Not a directory` }],
  // APR_FNM_PERIOD: a leading '.' is matched only by a literal '.'.
  ['h/*.conf', false, { ok: true, files: ['h/v.conf'] }],
  ['h/?hidden.conf', true, { ok: true, files: [] }],
  ['h/.*.conf', false, { ok: true, files: ['h/.hidden.conf'] }],
];

for (const [arg, optional, expected] of cases) {
  test(`${optional ? 'IncludeOptional' : 'Include'} ${arg}`, () => {
    assert.deepEqual(run(arg, optional), expected);
  });
}

test('Include of a directory with a symlink loop: the ELOOP error, not a crash', () => {
  const r = run('loop');
  assert.ok(typeof r !== 'string' && !r.ok, JSON.stringify(r));
  assert.match(r.error, /^Could not open configuration file .*\/loop\/sub\/up\/sub\/up\/.*: Too many levels of symbolic links$/);
});

test('IncludeOptional of a directory with a symlink loop: httpd reads the file at every level until ELOOP', () => {
  const r = run('loop', true);
  assert.ok(typeof r !== 'string' && r.ok, JSON.stringify(r));
  assert.equal(r.files[0], 'loop/sub/a.conf');
  assert.ok(r.files.length > 1 && r.files.length < 128);
  assert.ok(r.files.every((f) => /^loop\/sub\/(up\/sub\/)*a\.conf$/.test(f)));
});
