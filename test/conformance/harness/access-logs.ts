// Access-log comparison for request cases (issue #8): a case's "accessLogs" names log files in the ServerRoot;
// after each server's run they are read and removed (both servers write the same paths), and apache2's lines must
// equal tsproxyd's once the declared masks (regexes for what differs by nature: times, client ports, byte counts
// of responses whose Server/Date fields differ) have replaced their matches with "*".
import { readFile, rm } from 'node:fs/promises';
import type { ServerRoot } from './server-root.js';

export interface AccessLogSpec {
  /** Paths relative to the ServerRoot ("logs/access.log"). */
  readonly files: readonly string[];
  /** Regexes; every match is replaced by "*" in both servers' lines before comparing. */
  readonly mask?: readonly string[];
}

export type LogLines = Readonly<Record<string, readonly string[]>>;

/** Reads and removes the files (a missing file is an empty log). */
export async function takeLogs(root: ServerRoot, spec: AccessLogSpec | undefined): Promise<LogLines> {
  const out: Record<string, string[]> = {};
  for (const f of spec?.files ?? []) {
    const text = await readFile(root.path(f), 'latin1').catch(() => '');
    out[f] = text.split('\n').filter((l) => l !== '');
    await rm(root.path(f), { force: true });
  }
  return out;
}

/** Mismatches between apache2's and tsproxyd's lines, file by file and line by line. */
export function compareLogs(spec: AccessLogSpec, apache: LogLines, tsproxyd: LogLines): string[] {
  const masks = (spec.mask ?? []).map((m) => new RegExp(m, 'g'));
  const norm = (l: string): string => masks.reduce((s, re) => s.replace(re, '*'), l);
  const out: string[] = [];
  for (const f of spec.files) {
    const a = (apache[f] ?? []).map(norm);
    const t = (tsproxyd[f] ?? []).map(norm);
    if (a.length !== t.length) out.push(`${f}: apache2 wrote ${a.length} line(s), tsproxyd ${t.length}`);
    for (let i = 0; i < Math.max(a.length, t.length); i++) {
      if (a[i] !== t[i]) out.push(`${f} line ${i + 1}:\n    apache2  ${a[i] ?? '(none)'}\n    tsproxyd ${t[i] ?? '(none)'}`);
    }
  }
  return out;
}
