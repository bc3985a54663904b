// The reference: Apache httpd itself. Finds the binary and its module directory, runs `apache2 -t`, and reads
// its two error forms:
//   walk phase (directive handlers):  "AH00526: Syntax error on line N of FILE:\n<message>"
//   read phase (Include, sections, EXEC_ON_READ directives such as Define/<IfModule>/LoadModule):
//                                     "apache2: Syntax error on line N of FILE: [Syntax error on line M of INC: ]<message>"
// and errors without a location (AH00534 no MPM, AH02291 ErrorLog directory, AH00543 bad user name).
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanEnv, run } from './proc.js';
import {
  located,
  parseSyntaxErrorChain,
  runProblems,
  type CheckOutcome,
  type ConfigError,
} from './outcome.js';

export interface ApacheInstall {
  readonly bin: string;
  readonly modulesDir: string;
}

const BIN_CANDIDATES = ['/usr/sbin/apache2', '/usr/sbin/httpd', '/usr/local/apache2/bin/httpd', '/usr/bin/httpd'];
const MODULE_DIR_CANDIDATES = [
  '/usr/lib/apache2/modules',
  '/usr/lib64/httpd/modules',
  '/usr/lib/httpd/modules',
  '/usr/local/apache2/modules',
];

export const APACHE_INSTALL_HINT =
  'Install Apache httpd (Debian/Ubuntu: `apt-get install -y apache2`), or point APACHE2_BIN and ' +
  'APACHE2_MODULES_DIR at an httpd 2.4 binary and its mod_*.so directory. ' +
  'Set TSPROXYD_SKIP_APACHE=1 to skip the conformance tests instead (they are then reported as skipped, not passed).';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** apache2 and its modules, from APACHE2_BIN / APACHE2_MODULES_DIR or the usual Debian/RHEL/source paths. */
export function findApache(env: NodeJS.ProcessEnv = process.env): ApacheInstall | undefined {
  const bin = env['APACHE2_BIN'] ?? BIN_CANDIDATES.find(executable);
  if (bin === undefined || !executable(bin)) return undefined;
  const modulesDir =
    env['APACHE2_MODULES_DIR'] ?? MODULE_DIR_CANDIDATES.find((d) => existsSync(join(d, 'mod_proxy.so')));
  if (modulesDir === undefined) return undefined;
  return { bin, modulesDir };
}

export async function apacheVersion(install: ApacheInstall): Promise<string> {
  const r = await run(install.bin, ['-v'], { env: cleanEnv(), timeoutMs: 10_000 });
  return /Server version:\s*(.*)/.exec(r.stdout)?.[1]?.trim() ?? `unknown (${install.bin} -v said: ${r.stdout}${r.stderr})`;
}

export interface CheckOptions {
  /** Extra command-line arguments, e.g. ['-D', 'FOO']; the same list is given to tsproxyd. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** `apache2 -t -f FILE [args]` with a clean environment. */
export async function apacheCheck(install: ApacheInstall, configFile: string, opts: CheckOptions = {}): Promise<CheckOutcome> {
  const result = await run(install.bin, ['-t', '-f', configFile, ...(opts.args ?? [])], {
    env: cleanEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 15_000,
  });
  const output = result.stderr + result.stdout;
  const syntaxOk = /^Syntax OK$/m.test(output);
  const errors = result.exitCode === 0 ? [] : parseApacheErrors(output);
  const problems = runProblems(result, syntaxOk, errors);
  return {
    tool: 'apache2',
    verdict: result.exitCode === 0 ? 'ok' : 'error',
    syntaxOk,
    errors,
    problems,
    run: result,
  };
}

const WALK_PHASE = /^AH00526: Syntax error on line (\d+) of (.+):\n(.*)$/m;
const READ_PHASE = /^(?!AH\d{5}:)\S+: (Syntax error on line \d+ of .*)$/m;
/** "[Sat Nov 21 23:50:00.358 2026] [core:warn] [pid …] AH00111: …" — log lines, warnings included. */
const LOG_LINE = /^\[[^\]]*\] \[[\w:]+\]/;

/** The error apache2 reported (it stops at the first one). Exported for unit tests of the harness itself. */
export function parseApacheErrors(output: string): ConfigError[] {
  const walk = WALK_PHASE.exec(output);
  const read = READ_PHASE.exec(output);
  // Only one of the two can be present: httpd exits on the first error.
  if (walk && (!read || walk.index < read.index)) {
    const where = { line: Number(walk[1]), file: resolve(walk[2] as string) };
    return [located([where], (walk[3] ?? '').trim(), walk[0])];
  }
  if (read) {
    const parsed = parseSyntaxErrorChain(read[1] as string);
    if (parsed) {
      // httpd cuts the message at MAX_STRING_LEN (8 KB). An include loop makes a 128-deep chain that can hit it,
      // and then the innermost location is lost: what is left ends in a partial "Syntax error on line N of …".
      const cut = /^Syntax error on line\b/.test(parsed.message) || 'Syntax error on line '.startsWith(parsed.message);
      return [cut ? { message: parsed.message, chain: parsed.chain, raw: read[0], truncated: true } : located(parsed.chain, parsed.message, read[0])];
    }
  }
  const lines = output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !LOG_LINE.test(l) && !/AH00014: Configuration check failed/.test(l));
  const message = lines[0] ?? output.trim();
  return [located([], message, message)];
}
