// Certificates made at test time with the openssl command line: a CA, and leaf certificates it signs (or
// self-signed ones) for given names, in a temporary directory. Used by the TLS tests (backends and listeners).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  readonly certPem: Buffer;
  readonly keyPem: Buffer;
}

export interface CertDir {
  readonly dir: string;
  /** The CA: its certificate signs every leaf made with `leaf`. */
  readonly ca: CertFiles;
  /** A leaf certificate for these subjectAltNames ("DNS:localhost", "IP:127.0.0.1"), signed by the CA. */
  leaf(name: string, altNames: readonly string[], opts?: { days?: number; selfSigned?: boolean; expired?: boolean }): CertFiles;
  remove(): void;
}

const CA_CNF = `[ca]
default_ca = test
[test]
dir = .
database = ./index.txt
new_certs_dir = .
certificate = ./ca.crt
private_key = ./ca.key
serial = ./ca.srl
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
`;

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(dir: string, name: string): CertFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  return { cert, key, certPem: readFileSync(cert), keyPem: readFileSync(key) };
}

export function makeCerts(): CertDir {
  const dir = mkdtempSync(join(tmpdir(), 'tsproxyd-certs-'));
  writeFileSync(join(dir, 'ca.srl'), '1000\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tsproxyd test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return {
    dir,
    ca: files(dir, 'ca'),
    leaf(name, altNames, opts = {}) {
      const san = `subjectAltName=${altNames.join(',')}`;
      if (opts.selfSigned) {
        openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', String(opts.days ?? 2), '-subj', `/CN=${name}`, '-addext', san], dir);
        return files(dir, name);
      }
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
      writeFileSync(join(dir, `${name}.ext`), `${san}\nbasicConstraints=CA:FALSE\n`);
      if (opts.expired) {
        // `openssl x509` (3.0) cannot back-date a certificate; `openssl ca` can.
        writeFileSync(join(dir, 'index.txt'), '');
        writeFileSync(join(dir, 'ca.cnf'), CA_CNF);
        openssl(['ca', '-batch', '-config', 'ca.cnf', '-notext', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-in', `${name}.csr`, '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
      } else {
        openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', String(opts.days ?? 2), '-extfile', `${name}.ext`], dir);
      }
      return files(dir, name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
