// Differential test of HTTP reverse proxying (issue #3): apache2 and tsproxyd serve the same config, in turn, in
// front of the same recording backend; the same request bytes go to each; the status, the response headers that
// matter and what the backend received (method, request-target, headers, body) must agree.
//
// Per case (test/conformance/request-cases/NAME/): one backend, one ServerRoot; apache2 -X serves every request of
// the case, is stopped, then tsproxyd serves them on the same port. apache2's answers must match the expectations
// recorded in requests.json (so the table cannot drift from httpd); tsproxyd's must equal apache2's, or the
// declared "tsproxydDiverges" expectation.
//
// Environment:
//   TSPROXYD_SKIP_APACHE=1               apache2 missing: mark every case skipped (loudly) instead of failing
//   TSPROXYD_CONFORMANCE_APACHE_ONLY=1   only check apache2 against the recorded expectations
//   TSPROXYD_CONFORMANCE_CASE=regex      run only the cases whose "case/request" name matches
//   TSPROXYD_CONFORMANCE_RECORD=1        print what apache2 answered for every request (to write expectations)
//   TSPROXYD_CONFORMANCE_RECORD=FILE     also append a suggested "expect" per request to FILE (JSON lines; review
//                                        before pasting: a suggestion records what httpd does, right or wrong)
//   TSPROXYD_CONFORMANCE_KEEP=1          keep the temporary ServerRoots
import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import { APACHE_INSTALL_HINT, apacheVersion, findApache, type ApacheInstall } from './harness/apache.js';
import { startApache, tailFile } from './harness/apache-server.js';
import { compareLogs, takeLogs, type LogLines } from './harness/access-logs.js';
import { RecordingBackend, type BackendBehaviour } from './harness/backend.js';
import { requestCasesDir, tsproxydCliPath } from './harness/paths.js';
import { sendRaw } from './harness/raw-client.js';
import {
  afterOptions,
  loadRequestCases,
  renderExpectation,
  requestBytes,
  requestMethod,
  tlsOf,
  type RequestCase,
  type RequestSpec,
} from './harness/request-cases.js';
import { checkExpectation, compareObservations, describeObservation, observe, suggestExpectation, type Observation } from './harness/request-compare.js';
import { listenPorts, type ServerProcess } from './harness/server-process.js';
import { prepareServerRoot, type ServerRoot } from './harness/server-root.js';
import { TSPROXYD_BUILD_HINT, tsproxydCliExists } from './harness/tsproxyd.js';
import { startTsproxyd } from './harness/tsproxyd-server.js';
import { selfSignedCert } from './harness/tls-cert.js';
import { clientCertificate, installCaseCerts } from './harness/case-certs.js';
import { tlsSession, type TlsClientOptions } from './harness/raw-client.js';

const CONCURRENCY = 2;
const only = process.env['TSPROXYD_CONFORMANCE_CASE'];
const apacheOnly = process.env['TSPROXYD_CONFORMANCE_APACHE_ONLY'] === '1';
const recordTo = process.env['TSPROXYD_CONFORMANCE_RECORD'];
const record = recordTo !== undefined && recordTo !== '' && recordTo !== '0';
const selected = (c: RequestCase, r: RequestSpec): boolean => only === undefined || new RegExp(only).test(`${c.name}/${r.name}`);
const cases = (await loadRequestCases(requestCasesDir()))
  .map((c) => ({ ...c, requests: c.requests.filter((r) => selected(c, r)) }))
  .filter((c) => c.requests.length > 0);
const apache = findApache();

type Served = { readonly observations: readonly Observation[]; readonly logs: LogLines } | { readonly startError: string };

interface RequestReport {
  readonly name: string;
  readonly apacheAsRecorded: boolean;
  readonly mismatches: readonly string[];
  readonly divergence?: string;
}

function banner(lines: readonly string[]): string {
  const bar = '!'.repeat(100);
  return [bar, ...lines.map((l) => `!! ${l}`), bar].join('\n');
}

/** Starts one server on the case's config, sends every request in turn, stops the server. */
async function serve(
  start: () => Promise<ServerProcess>,
  c: RequestCase,
  root: ServerRoot,
  backend: RecordingBackend,
): Promise<Served> {
  let server: ServerProcess;
  try {
    server = await start();
  } catch (e) {
    return { startError: (e as Error).message.split(root.dir).join('<SR>') };
  }
  const observations: Observation[] = [];
  try {
    for (const r of c.requests) {
      const render = (s: string): string => root.render(s, `${c.source}/requests.json (${r.name})`);
      await backend.prepare(JSON.parse(render(JSON.stringify({ ...c.backend, ...r.backend }))) as BackendBehaviour);
      const bytes = requestBytes(r, render);
      const after = afterOptions(r, render);
      const port = root.ports[r.port ?? 'PORT'];
      if (port === undefined) throw new Error(`${c.source}: request ${r.name} sends to @${r.port ?? 'PORT'}@, which config.conf does not use`);
      const tlsSpec = tlsOf(c, r);
      const tls: TlsClientOptions | undefined = tlsSpec && {
        ...(tlsSpec.servername !== undefined ? { servername: render(tlsSpec.servername) } : {}),
        ...(tlsSpec.clientCert ? clientCertificate(tlsSpec.clientCert === true ? 'client' : tlsSpec.clientCert) : {}),
        ...(tlsSpec.alpn ? { alpn: tlsSpec.alpn } : {}),
        ...(tlsSpec.minVersion ? { minVersion: tlsSpec.minVersion } : {}),
        ...(tlsSpec.maxVersion ? { maxVersion: tlsSpec.maxVersion } : {}),
        ...(tlsSpec.ciphers ? { ciphers: tlsSpec.ciphers } : {}),
      };
      if (tls && tlsSpec?.resume) {
        const other = typeof tlsSpec.resume === 'object' ? { servername: render(tlsSpec.resume.servername) } : {};
        const session = await tlsSession({ port, tls: { ...tls, ...other } });
        if (session) Object.assign(tls, { session });
      }
      const response = await sendRaw({
        port,
        ...(tls ? { tls } : {}),
        bytes,
        method: requestMethod(bytes),
        timeoutMs: r.timeoutMs ?? 5000,
        ...(r.continueWaitMs !== undefined ? { continueWaitMs: r.continueWaitMs } : {}),
        ...(after ? { after } : {}),
      });
      observations.push(observe(response, await backend.requests()));
    }
    // A tunnel's access-log line is written once the server has seen the client's close: give it that moment.
    if (c.accessLogs !== undefined) await new Promise((r) => setTimeout(r, 300));
  } finally {
    await server.stop();
    await backend.prepare({});
    backend.dropConnections();
  }
  return { observations, logs: await takeLogs(root, c.accessLogs) };
}

async function runCase(t: TestContext, install: ApacheInstall, c: RequestCase, reports: RequestReport[]): Promise<void> {
  const backend = await RecordingBackend.start(c.backendTls ? { tls: await selfSignedCert() } : {});
  const root = await prepareServerRoot({ files: c.files, modulesDir: install.modulesDir, vars: { BACKEND: String(backend.port) } });
  try {
    if (c.certs) installCaseCerts(root.dir, c.certs);
    t.diagnostic(c.description);
    const config = root.path(c.main);
    const ports = listenPorts(await readFile(config, 'utf8'));
    const opts = { args: c.args ?? [], ports, errorLog: root.path('logs/error.log') };
    const a = await serve(() => startApache(install, config, opts), c, root, backend);
    const runTs = !apacheOnly;
    const ts = runTs
      ? tsproxydCliExists()
        ? await serve(() => startTsproxyd(config, opts), c, root, backend)
        : { startError: `tsproxyd CLI not found at ${tsproxydCliPath()}: ${TSPROXYD_BUILD_HINT}` }
      : undefined;
    const errorLog = await tailFile(root.path('logs/error.log'), 8);
    const kept = process.env['TSPROXYD_CONFORMANCE_KEEP'] === '1' ? `\n(ServerRoot kept at ${root.dir})` : '';

    for (const [i, r] of c.requests.entries()) {
      const render = (s: string): string => root.render(s, `${c.source}/requests.json (${r.name})`);
      const method = requestMethod(requestBytes(r, render));
      const want = renderExpectation(r.expect, render);
      const ao = 'observations' in a ? a.observations[i] : undefined;
      const apacheProblems = ao ? checkExpectation(ao, want) : [`apache2 did not serve: ${'startError' in a ? a.startError : '?'}`];
      const report: { name: string; apacheAsRecorded: boolean; mismatches: string[]; divergence?: string } = {
        name: `${c.name}/${r.name}`,
        apacheAsRecorded: apacheProblems.length === 0,
        mismatches: [],
      };
      reports.push(report);
      if (record && recordTo !== '1' && ao) {
        const vars = Object.entries(root.vars).filter(([k]) => k === 'BACKEND' || k.startsWith('PORT'));
        let json = JSON.stringify(suggestExpectation(ao));
        for (const [k, v] of vars) json = json.split(v).join(`@${k}@`);
        await appendFile(recordTo, JSON.stringify({ case: c.name, request: r.name, expect: JSON.parse(json) as unknown }) + '\n');
      }
      await t.test(r.name, async (tr) => {
        if (r.description) tr.diagnostic(r.description);
        if (record && ao) for (const l of describeObservation(ao).split('\n')) tr.diagnostic(`apache2 ${l}`);
        await tr.test('apache2 answers as recorded', () => {
          assert.ok(
            apacheProblems.length === 0,
            `${c.source}/requests.json "${r.name}": apache2 no longer answers as recorded:\n` +
              apacheProblems.map((p) => `  ${p}`).join('\n') +
              (ao ? `\napache2 ${describeObservation(ao)}` : '') +
              (errorLog ? `\n${errorLog.split(root.dir).join('<SR>')}` : '') +
              kept,
          );
        });
        if (!ts) {
          await tr.test('tsproxyd agrees', { skip: 'TSPROXYD_CONFORMANCE_APACHE_ONLY=1' }, () => {});
          return;
        }
        if (r.pending) {
          await tr.test('tsproxyd agrees', { skip: `pending: ${r.pending}` }, () => {});
          return;
        }
        await tr.test('tsproxyd agrees', (tt) => {
          if ('startError' in ts) {
            report.mismatches.push('tsproxyd did not serve');
            assert.fail(`tsproxyd did not come up on this config (is the run mode there yet?):\n${ts.startError}`);
          }
          const to = ts.observations[i] as Observation;
          let mismatches: string[];
          if (r.tsproxydDiverges) {
            report.divergence = r.tsproxydDiverges.reason;
            tt.diagnostic(`declared divergence: ${r.tsproxydDiverges.reason}`);
            mismatches = checkExpectation(to, renderExpectation(r.tsproxydDiverges.expect, render)).map((m) => `declared divergence not met: ${m}`);
          } else {
            mismatches = ao ? compareObservations(ao, to, r.compare ?? {}, method, { ...c.backend, ...r.backend }.status ?? 200) : [];
          }
          report.mismatches.push(...mismatches);
          assert.ok(
            mismatches.length === 0,
            `${c.source}/requests.json "${r.name}":\n${mismatches.map((m) => `  MISMATCH ${m}`).join('\n')}\n` +
              `apache2 ${ao ? describeObservation(ao) : '(none)'}\ntsproxyd ${describeObservation(to)}${kept}`,
          );
        });
      });
    }
    const logSpec = c.accessLogs;
    if (logSpec !== undefined && ts !== undefined) {
      await t.test('access logs agree', () => {
        assert.ok('logs' in a, `apache2 did not serve: ${'startError' in a ? a.startError : '?'}`);
        assert.ok('logs' in ts, `tsproxyd did not serve: ${'startError' in ts ? ts.startError : '?'}`);
        const mismatches = compareLogs(logSpec, a.logs, ts.logs);
        assert.ok(mismatches.length === 0, `${c.source}: access logs differ:\n${mismatches.map((m) => `  ${m}`).join('\n')}`);
      });
    }
  } finally {
    await backend.stop();
    await root.cleanup();
  }
}

function summary(reports: readonly RequestReport[]): string[] {
  const sorted = [...reports].sort((x, y) => x.name.localeCompare(y.name));
  const lines = [
    `${reports.length} requests in ${cases.length} cases; apache2 answers as recorded in ${reports.filter((r) => r.apacheAsRecorded).length}; ` +
      (apacheOnly ? 'tsproxyd not run (TSPROXYD_CONFORMANCE_APACHE_ONLY=1)' : `tsproxyd agrees in ${reports.filter((r) => r.mismatches.length === 0).length}`),
  ];
  for (const r of sorted.filter((r) => !r.apacheAsRecorded)) lines.push(`  EXPECT-ROT ${r.name}`);
  for (const r of sorted.filter((r) => r.mismatches.length > 0)) lines.push(`  MISMATCH   ${r.name}: ${r.mismatches.join('; ')}`);
  for (const r of sorted.filter((r) => r.divergence)) lines.push(`  DIVERGES   ${r.name}: ${r.divergence}`);
  return lines;
}

if (apache === undefined) {
  if (process.env['TSPROXYD_SKIP_APACHE'] === '1') {
    const text = banner([
      `TSPROXYD_SKIP_APACHE=1 and no apache2 found: ${cases.length} request conformance cases are SKIPPED, NOT PASSED.`,
      'tsproxyd has NOT been compared with httpd as a proxy in this run.',
      APACHE_INSTALL_HINT,
    ]);
    console.error(text);
    test('conformance: requests through apache2 vs tsproxyd', { skip: 'apache2 not installed (TSPROXYD_SKIP_APACHE=1)' }, (t) => {
      for (const l of text.split('\n')) t.diagnostic(l);
    });
  } else {
    test('conformance: apache2 is installed (request cases)', () => {
      assert.fail(`apache2 (httpd 2.4) is required for the request conformance tests and was not found.\n${APACHE_INSTALL_HINT}`);
    });
  }
} else {
  const install = apache;
  test('conformance: requests through apache2 vs tsproxyd', { concurrency: CONCURRENCY, timeout: 240_000 }, async (t) => {
    t.diagnostic(`apache: ${install.bin} (${await apacheVersion(install)}), modules ${install.modulesDir}`);
    t.diagnostic(`tsproxyd: ${tsproxydCliPath()}${tsproxydCliExists() ? '' : ' (NOT BUILT)'}`);
    if (apacheOnly) for (const l of banner(['TSPROXYD_CONFORMANCE_APACHE_ONLY=1: tsproxyd is NOT compared in this run.']).split('\n')) t.diagnostic(l);
    assert.ok(cases.length > 0, `no request cases in ${requestCasesDir()}${only ? ` matching /${only}/` : ''}`);
    const reports: RequestReport[] = [];
    await Promise.all(cases.map((c) => t.test(c.name, (tc) => runCase(tc, install, c, reports))));
    for (const line of summary(reports)) t.diagnostic(line);
  });
}
