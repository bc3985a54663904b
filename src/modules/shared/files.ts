// File-system checks that httpd makes while it reads the config (ap_server_root_relative + apr_stat).
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** httpd's ap_server_root_relative: absolute paths stay, others resolve against ServerRoot. */
export function serverRootRelative(serverRoot: string, path: string): string {
  return isAbsolute(path) ? path : resolve(serverRoot, path);
}

export type FileKind = 'file' | 'dir' | 'other' | 'missing';

/** What is at `path` (following symlinks) and its size; never throws. */
export function statPath(path: string): { kind: FileKind; size: number } {
  try {
    const st = statSync(path);
    return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', size: st.size };
  } catch {
    return { kind: 'missing', size: 0 };
  }
}

/** C's atoi: optional ASCII blanks and sign, then leading digits; anything else gives 0. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}
