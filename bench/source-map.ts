// Maps a position in dist/*.js back to its .ts source line for profile reports, with Node's own source-map
// reader (node:module SourceMap) rather than a hand-written VLQ decoder.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

/** A lookup (0-based generated line and column) → "src/file.ts:LINE", or undefined when jsFile has no map. */
export function loadSourceMap(repo: string, jsFile: string): ((line: number, col: number) => string | undefined) | undefined {
  const mapFile = `${jsFile}.map`;
  if (!existsSync(mapFile)) return undefined;
  const payload = JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0] & { sourceRoot?: string };
  const map = new SourceMap(payload);
  const base = dirname(mapFile);
  return (line, col) => {
    const e = map.findEntry(line, col) as { originalSource?: string; originalLine?: number };
    if (e.originalSource === undefined || e.originalLine === undefined) return undefined;
    return `${relative(repo, resolve(base, payload.sourceRoot ?? '', e.originalSource))}:${e.originalLine + 1}`;
  };
}
