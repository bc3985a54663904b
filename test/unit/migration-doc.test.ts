// docs/migration.md is generated from the directive tables: regenerated here and compared with the checked-in
// file, so that a directive added, removed or changed in src/modules/*/ cannot leave the document behind.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { registry } from '../../src/config/load.js';
import { migrationTable } from '../../src/docs/migration-table.js';
import { repoRoot } from '../conformance/harness/paths.js';

const REGENERATE = 'docs/migration.md is out of date with the directive tables: run `npm run docs:migration` and commit the result';

test('docs/migration.md is what the directive tables generate', () => {
  const checkedIn = readFileSync(join(repoRoot(), 'docs', 'migration.md'), 'utf8');
  const generated = migrationTable(registry());
  if (checkedIn === generated) return;
  const a = checkedIn.split('\n');
  const b = generated.split('\n');
  const first = b.findIndex((line, i) => line !== a[i]);
  assert.fail(`${REGENERATE}\n  first difference at line ${first + 1}:\n  checked in: ${a[first] ?? '(end of file)'}\n  generated:  ${b[first] ?? '(end of file)'}`);
});

test('the table tells supported, ignored and LoadModule-only directives apart', () => {
  const doc = migrationTable(registry());
  const row = (name: string) => doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`)) ?? assert.fail(`no row for ${name}`);
  assert.match(row('ProxyPass'), /\| mod_proxy \| .* \| supported \|/);
  assert.match(row('Include'), /\| supported \| run while the files are read/);
  assert.match(row('Options'), /\| accepted, ignored \|/);
  assert.match(row('Alias'), /\| accepted, ignored \| only after `LoadModule alias_module`/);
  assert.match(row('WorkerProcesses'), /\| supported \(tsproxyd only\) \|/);
  assert.match(row('<Location>'), /\| core \| server config, virtual host \|/);
  assert.match(doc, /`mod_cache`/, 'modules tsproxyd does not implement are listed');
  assert.doesNotMatch(doc.replace(/`[^`]*`/g, ''), /<[A-Z]/, 'section names are in code spans (else Markdown reads them as HTML)');
});
