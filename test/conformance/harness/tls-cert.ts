// A throwaway self-signed certificate for a TLS backend (wss://, https://), made with the openssl CLI at test time
// so no key lives in the repository. CN and subjectAltName are 127.0.0.1, where the recording backend listens.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, run } from './proc.js';

export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

export async function selfSignedCert(): Promise<KeyAndCert> {
  const dir = await mkdtemp(join(tmpdir(), 'tsp-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2'];
    args.push('-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    const r = await run('openssl', args, { env: cleanEnv(), timeoutMs: 20_000 });
    if (r.exitCode !== 0) throw new Error(`openssl could not make a test certificate (${r.spawnError?.message ?? r.stderr.trim()})`);
    return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
