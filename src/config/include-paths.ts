// Resolving Include/IncludeOptional arguments to files, as httpd's ap_process_fnmatch_configs: fnmatch wildcards
// in file and directory parts, matches in alphabetical (strcmp) order, directories included recursively.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

export type IncludeResult = { ok: true; files: string[] } | { ok: false; error: string };

const WILDCARD = /[*?[]/;

/** fnmatch(3) pattern → RegExp (no FNM_PERIOD: httpd passes FNM_PERIOD, so a leading '.' must be explicit). */
function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every regular file below `dir`, sorted per directory level, recursively (httpd's directory include). */
function filesUnder(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort(byteOrder)) {
    if (name === '.' || name === '..') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) filesUnder(full, out);
    else out.push(full);
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'ENOTDIR') return 'Not a directory';
  return (e as Error).message;
}

export function resolveInclude(arg: string, serverRoot: string, optional: boolean): IncludeResult {
  const path = isAbsolute(arg) ? arg : resolve(serverRoot, arg);
  if (!WILDCARD.test(path)) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      if (optional) return { ok: true, files: [] };
      return { ok: false, error: `Could not open configuration file ${path}: ${errnoText(e)}` };
    }
    if (!isDir) return { ok: true, files: [path] };
    const files: string[] = [];
    filesUnder(path, files);
    return { ok: true, files };
  }
  // Expand segment by segment so wildcards work in directory parts too.
  const parts = path.split(sep).filter((p, i) => p !== '' || i === 0);
  let bases = [parts[0] === '' ? sep : parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!WILDCARD.test(part)) {
        next.push(join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base);
      } catch (e) {
        if (optional) continue;
        return { ok: false, error: `Include/IncludeOptional: Could not open directory ${base}: ${errnoText(e)}` };
      }
      const re = fnmatchToRegExp(part);
      const hits = names.filter((n) => re.test(n)).sort(byteOrder);
      for (const n of hits) {
        const full = join(base, n);
        let isDir = false;
        try {
          isDir = statSync(full).isDirectory();
        } catch {
          continue;
        }
        if (last && isDir) filesUnder(full, next);
        else if (last || isDir) next.push(full);
      }
      if (hits.length === 0 && last && !optional) {
        return { ok: false, error: `No matches for the wildcard '${part}' in '${base}', failing` };
      }
    }
    bases = next;
  }
  return { ok: true, files: bases };
}
