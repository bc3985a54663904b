// PidFile: written when the server has its listeners, removed when it exits; read by `-k` to find it. A pid file
// naming a process that is gone (a crash, a reboot) is stale and ignored, as apachectl does.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export function writePidFile(file: string): string | undefined {
  try {
    writeFileSync(file, `${process.pid}\n`);
    return undefined;
  } catch (err) {
    return `cannot write PidFile ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

/** Removes the file only if it still names this process (a newer instance may have written its own). */
export function removePidFile(file: string): void {
  if (runningPid(file) === process.pid) rmSync(file, { force: true });
}

/** The pid in `file` if that process is alive; undefined when there is no file, no number or no such process. */
export function runningPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
