// Resolving Include/IncludeOptional arguments to files, as httpd's ap_process_fnmatch_configs: fnmatch wildcards
// in file and directory parts, matches in alphabetical (strcmp) order, directories included recursively.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

export type IncludeResult = { ok: true; files: string[] } | { ok: false; error: string };

const WILDCARD = /[*?[]/;

/**
 * fnmatch(3) pattern → RegExp. httpd passes APR_FNM_PERIOD: a leading '.' of a name is matched only by a literal
 * '.' at the start of the pattern (not by `*`, `?` or a bracket), see includeWildcard().
 */
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

/** httpd's AP_MAX_INCLUDE_DIR_DEPTH: how deep directory includes may nest (a symlink loop ends here, or at ELOOP). */
const MAX_INCLUDE_DIR_DEPTH = 128;

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
};

/** strerror() of a failed fs call, as httpd prints it (%pm). */
function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ERRNO_TEXT[code] !== undefined) return ERRNO_TEXT[code];
  return e instanceof Error ? e.message : String(e);
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** stat(2) (following symlinks), or the error it failed with. Never throws. */
function statOf(path: string): { isDir: boolean } | { error: unknown } {
  try {
    return { isDir: statSync(path).isDirectory() };
  } catch (error) {
    return { error };
  }
}

/**
 * httpd's process_resource_config_nofnmatch: a directory is included recursively (entries in strcmp order, every
 * entry but . and ..), anything else is a config file. IncludeOptional skips what cannot be stat()ed (a dangling
 * symlink, a loop); Include reports it as httpd does. Returns an error message, or undefined.
 */
function includePath(path: string, optional: boolean, depth: number, out: string[]): string | undefined {
  const st = statOf(path);
  if ('isDir' in st && st.isDir) {
    if (++depth > MAX_INCLUDE_DIR_DEPTH) {
      return (
        `Directory ${path} exceeds the maximum include directory nesting level of ${MAX_INCLUDE_DIR_DEPTH}. ` +
        'You have probably a recursion somewhere.'
      );
    }
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (e) {
      return `Could not open config directory ${path}: ${errnoText(e)}`;
    }
    for (const name of names.sort(byteOrder)) {
      if (name === '.' || name === '..') continue;
      const err = includePath(join(path, name), optional, depth, out);
      if (err !== undefined) return err;
    }
    return undefined;
  }
  if ('error' in st) {
    if (optional) return undefined;
    return `Could not open configuration file ${path}: ${errnoText(st.error)}`;
  }
  out.push(path);
  return undefined;
}

/**
 * httpd's process_resource_config_fnmatch: `rest` is the path below `dir`, '/'-separated, walked one segment at
 * a time, depth first. A wildcard segment matches the entries of `dir` (FNM_PERIOD); when more segments follow,
 * only real directories match (not symlinks: httpd looks at the entry's own type). A trailing '/' is an empty
 * last segment, so `dir/*\/` matches directories only.
 */
function includeWildcard(dir: string, rest: string, optional: boolean, out: string[]): string | undefined {
  const slash = rest.indexOf('/');
  const part = slash < 0 ? rest : rest.slice(0, slash);
  const tail = slash < 0 ? undefined : rest.slice(slash + 1);
  if (!WILDCARD.test(part)) {
    const path = part === '' ? dir : join(dir, part);
    return tail === undefined ? includePath(path, optional, 0, out) : includeWildcard(path, tail, optional, out);
  }
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (optional && errnoCode(e) === 'ENOENT') return undefined;
    return `Include/IncludeOptional: Could not open directory ${dir}: ${errnoText(e)}`;
  }
  const re = fnmatchToRegExp(part);
  const hits: string[] = [];
  for (const ent of entries) {
    if (ent.name === '.' || ent.name === '..' || !re.test(ent.name)) continue;
    if (ent.name.startsWith('.') && !part.startsWith('.')) continue; // APR_FNM_PERIOD
    if (tail !== undefined && !ent.isDirectory()) continue;
    hits.push(ent.name);
  }
  if (hits.length === 0) {
    return optional ? undefined : `Include/IncludeOptional: No matches for the wildcard '${part}' in '${dir}', failing`;
  }
  for (const name of hits.sort(byteOrder)) {
    const path = join(dir, name);
    const err = tail === undefined ? includePath(path, optional, 0, out) : includeWildcard(path, tail, optional, out);
    if (err !== undefined) return err;
  }
  return undefined;
}

/**
 * The files an Include (optional = false) or IncludeOptional names, in the order httpd reads them, or httpd's
 * error. Never throws.
 */
export function resolveInclude(arg: string, serverRoot: string, optional: boolean): IncludeResult {
  const path = isAbsolute(arg) ? resolve(arg) : resolve(serverRoot, arg);
  const files: string[] = [];
  let error: string | undefined;
  try {
    if (!WILDCARD.test(path)) error = includePath(path, optional, 0, files);
    else {
      // resolve() drops a trailing '/', which matters after a wildcard (directories only).
      const rest = path.slice(sep.length) + (arg.endsWith('/') && path !== sep ? '/' : '');
      error = includeWildcard(sep, rest, optional, files);
    }
  } catch (e) {
    // Not expected (every fs call above is guarded); never let a config check crash.
    error = `Could not open configuration file ${path}: ${errnoText(e)}`;
  }
  return error === undefined ? { ok: true, files } : { ok: false, error };
}
