// Differential test: `apache2 -t -f FILE` versus `tsproxyd --check -f FILE` on every case in check-cases/.
// Per case: apache2 must still say what the case's "# expect:" says (so the table cannot rot), and tsproxyd must
// give the same verdict (or the declared "# tsproxyd-diverges:") and, for errors, the same innermost file:line.
//
// Environment:
//   TSPROXYD_SKIP_APACHE=1               apache2 missing: mark every case skipped (loudly) instead of failing
//   TSPROXYD_CONFORMANCE_APACHE_ONLY=1   only check the "# expect:" lines against apache2 (e.g. before the CLI is built)
//   TSPROXYD_CONFORMANCE_CASE=regex      run only the cases whose name matches
//   TSPROXYD_CONFORMANCE_KEEP=1          keep the temporary ServerRoots (their paths are printed on failure)
//   APACHE2_BIN, APACHE2_MODULES_DIR, TSPROXYD_CLI   override the binaries
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { APACHE_INSTALL_HINT, apacheCheck, apacheVersion, findApache, type ApacheInstall } from './harness/apache.js';
import { loadCheckCases, type CheckCase } from './harness/cases.js';
import { compareCheck } from './harness/compare.js';
import { describeOutcome } from './harness/outcome.js';
import { checkCasesDir, tsproxydCliPath } from './harness/paths.js';
import { prepareServerRoot } from './harness/server-root.js';
import { TSPROXYD_BUILD_HINT, tsproxydCheck, tsproxydCliExists } from './harness/tsproxyd.js';

const CONCURRENCY = 2;
const only = process.env['TSPROXYD_CONFORMANCE_CASE'];
const apacheOnly = process.env['TSPROXYD_CONFORMANCE_APACHE_ONLY'] === '1';
const cases = (await loadCheckCases(checkCasesDir())).filter((c) => only === undefined || new RegExp(only).test(c.name));
const apache = findApache();

interface CaseReport {
  readonly name: string;
  readonly apacheAsExpected: boolean;
  readonly mismatches: readonly string[];
  readonly divergence?: string;
}

function banner(lines: readonly string[]): string {
  const bar = '!'.repeat(100);
  return [bar, ...lines.map((l) => `!! ${l}`), bar].join('\n');
}

async function runCase(t: TestContext, install: ApacheInstall, c: CheckCase, reports: CaseReport[]): Promise<void> {
  const root = await prepareServerRoot({ files: c.files, modulesDir: install.modulesDir });
  try {
    const env = Object.fromEntries(Object.entries(c.meta.env).map(([k, v]) => [k, root.render(v, `${c.source} (# env: ${k})`)]));
    const config = root.path(c.main);
    const runTsproxyd = !apacheOnly && tsproxydCliExists();
    const [a, ts] = await Promise.all([
      apacheCheck(install, config, { args: c.meta.args, env }),
      runTsproxyd ? tsproxydCheck(config, { args: c.meta.args, env }) : Promise.resolve(undefined),
    ]);
    const kept = process.env['TSPROXYD_CONFORMANCE_KEEP'] === '1' ? `\n(ServerRoot kept at ${root.dir})` : '';
    if (c.meta.description) t.diagnostic(c.meta.description);

    const apacheAsExpected = a.verdict === c.meta.expect && a.problems.length === 0;
    await t.test(`apache2 -t says ${c.meta.expect}`, () => {
      assert.ok(
        apacheAsExpected,
        `${c.source}: "# expect: ${c.meta.expect}" but\n${describeOutcome(a, root.dir)}${kept}\n` +
          'Fix the case (or its "# expect:" line): the table must say what httpd says.',
      );
    });

    if (apacheOnly) {
      reports.push({ name: c.name, apacheAsExpected, mismatches: [] });
      await t.test('tsproxyd --check agrees', { skip: 'TSPROXYD_CONFORMANCE_APACHE_ONLY=1' }, () => {});
      return;
    }
    const cmp = ts ? compareCheck(a, ts, c.meta, root.dir) : undefined;
    reports.push({
      name: c.name,
      apacheAsExpected,
      mismatches: cmp ? cmp.mismatches : [`tsproxyd CLI not found at ${tsproxydCliPath()}`],
      ...(c.meta.diverges ? { divergence: `${c.meta.diverges.verdict} -- ${c.meta.diverges.reason}` } : {}),
    });
    await t.test('tsproxyd --check agrees', (tt) => {
      if (!ts || !cmp) assert.fail(`tsproxyd CLI not found at ${tsproxydCliPath()}: ${TSPROXYD_BUILD_HINT}`);
      for (const note of cmp.notes) tt.diagnostic(note);
      assert.ok(
        cmp.mismatches.length === 0,
        `${c.source}:\n${cmp.mismatches.map((m) => `  MISMATCH ${m}`).join('\n')}\n` +
          `${describeOutcome(a, root.dir)}\n${describeOutcome(ts, root.dir)}${kept}`,
      );
    });
  } finally {
    await root.cleanup();
  }
}

function summary(reports: readonly CaseReport[]): string[] {
  const sorted = [...reports].sort((x, y) => x.name.localeCompare(y.name));
  const lines = [
    `${reports.length} cases; apache2 agrees with the case's expect line in ${reports.filter((r) => r.apacheAsExpected).length}; ` +
      (apacheOnly ? 'tsproxyd not run (TSPROXYD_CONFORMANCE_APACHE_ONLY=1)' : `tsproxyd matches in ${reports.filter((r) => r.mismatches.length === 0).length}`),
  ];
  for (const r of sorted.filter((r) => !r.apacheAsExpected)) lines.push(`  EXPECT-ROT ${r.name}`);
  for (const r of sorted.filter((r) => r.mismatches.length > 0)) lines.push(`  MISMATCH   ${r.name}: ${r.mismatches.join('; ')}`);
  for (const r of sorted.filter((r) => r.divergence)) lines.push(`  DIVERGES   ${r.name}: tsproxyd says ${r.divergence}`);
  return lines;
}

if (apache === undefined) {
  if (process.env['TSPROXYD_SKIP_APACHE'] === '1') {
    const text = banner([
      `TSPROXYD_SKIP_APACHE=1 and no apache2 found: ${cases.length} conformance cases are SKIPPED, NOT PASSED.`,
      'tsproxyd --check has NOT been compared with httpd in this run.',
      APACHE_INSTALL_HINT,
    ]);
    console.error(text);
    test('conformance: apache2 -t vs tsproxyd --check', { skip: 'apache2 not installed (TSPROXYD_SKIP_APACHE=1)' }, (t) => {
      for (const l of text.split('\n')) t.diagnostic(l);
    });
    for (const c of cases) test(`conformance check ${c.name}`, { skip: 'apache2 not installed (TSPROXYD_SKIP_APACHE=1)' }, () => {});
  } else {
    test('conformance: apache2 is installed', () => {
      assert.fail(`apache2 (httpd 2.4) is required for the conformance tests and was not found.\n${APACHE_INSTALL_HINT}`);
    });
  }
} else {
  const install = apache;
  test('conformance: apache2 -t vs tsproxyd --check', { concurrency: CONCURRENCY, timeout: 180_000 }, async (t) => {
    t.diagnostic(`apache: ${install.bin} (${await apacheVersion(install)}), modules ${install.modulesDir}`);
    t.diagnostic(`tsproxyd: ${tsproxydCliPath()}${tsproxydCliExists() ? '' : ' (NOT BUILT)'}`);
    if (apacheOnly) for (const l of banner(['TSPROXYD_CONFORMANCE_APACHE_ONLY=1: tsproxyd is NOT compared in this run.']).split('\n')) t.diagnostic(l);
    assert.ok(cases.length > 0, `no cases in ${checkCasesDir()}${only ? ` matching /${only}/` : ''}`);
    const reports: CaseReport[] = [];
    await Promise.all(cases.map((c) => t.test(c.name, (tc) => runCase(tc, install, c, reports))));
    for (const line of summary(reports)) t.diagnostic(line);
  });
}
