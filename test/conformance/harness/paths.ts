// Where things are. The tests run from dist/test/conformance/, but the case tables stay in the source tree
// (they are not TypeScript, tsc does not copy them), so everything is found from the repository root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The directory holding tsproxyd's package.json, found by walking up from this module. */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tsproxyd') {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find tsproxyd's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** test/conformance/check-cases in the source tree. */
export function checkCasesDir(): string {
  return join(repoRoot(), 'test', 'conformance', 'check-cases');
}

/** The built CLI; TSPROXYD_CLI overrides it (e.g. to test an installed copy). */
export function tsproxydCliPath(): string {
  return process.env['TSPROXYD_CLI'] ?? join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
}

/** test/conformance/request-cases in the source tree. */
export function requestCasesDir(): string {
  return join(repoRoot(), 'test', 'conformance', 'request-cases');
}
