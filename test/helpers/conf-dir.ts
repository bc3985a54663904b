// A temporary ServerRoot holding config files, for tests that read real files (Include, IfFile, ServerRoot).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ConfDir {
  readonly root: string;
  /** Writes `text` to root/relPath (creating folders) and returns the absolute path. */
  write(relPath: string, text: string): string;
  remove(): void;
}

export function makeConfDir(prefix = 'tsproxyd-test-'): ConfDir {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    write(relPath, text) {
      const full = join(root, relPath);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
