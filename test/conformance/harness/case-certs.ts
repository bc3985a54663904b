// Certificates for TLS listener cases, made at run time with the openssl CLI (test/helpers/tls-certs.ts) so no key
// lives in the repository. One CA per test process; each leaf is made once and copied into every ServerRoot that
// asks for it, under certs/:
//
//   "certs": {"names": ["a.test", "b.test"], "client": true}       (requests.json, case level)
//     → @SERVERROOT@/certs/a.test.crt, a.test.key, b.test.crt, b.test.key   (CN and DNS subjectAltName = the name)
//       @SERVERROOT@/certs/a.test.fullchain.crt, …                          (the leaf, then the CA: one file)
//       @SERVERROOT@/certs/ca.crt                                            (the CA that signed all of them)
//       @SERVERROOT@/certs/client.crt, client.key   (client certificate signed by the CA, subject CLIENT_SUBJECT)
//       @SERVERROOT@/certs/rogue.crt, rogue.key     (self-signed client certificate, CN=rogue: fails verification)
//
// No new placeholder: configs name the files with @SERVERROOT@/certs/…, and the raw client reads the client
// certificates from the same set (`"tls": {"clientCert": "client" | "rogue"}`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCerts, type CertDir, type CertFiles } from '../../helpers/tls-certs.js';

export interface CaseCertsSpec {
  /** Server names: a leaf certificate each, CN = DNS subjectAltName = the name. */
  readonly names?: readonly string[];
  /** Also client.crt/.key (signed by the CA) and rogue.crt/.key (self-signed). */
  readonly client?: boolean;
}

/**
 * The client certificate's subject, in `openssl -subj` form: several RDNs, a comma and a space in a value, an
 * e-mail address, a repeated OU, a non-ASCII value (UTF-8), so the SSL_CLIENT_S_DN format (order, escaping,
 * attribute names) and SSL_CLIENT_S_DN_x lookups are actually compared.
 */
export const CLIENT_SUBJECT = '/C=DE/L=Köln/O=Example, Inc./OU=QA Team/OU=Ops/CN=client.test/emailAddress=client@example.test';

export type ClientCertName = 'client' | 'rogue';

let certDir: CertDir | undefined;
const leaves = new Map<string, CertFiles>();

function dir(): CertDir {
  if (certDir === undefined) {
    const made = makeCerts();
    certDir = made;
    process.on('exit', () => made.remove());
  }
  return certDir;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function filesOf(d: string, name: string): CertFiles {
  const cert = join(d, `${name}.crt`);
  const key = join(d, `${name}.key`);
  return { cert, key, certPem: readFileSync(cert), keyPem: readFileSync(key) };
}

/** A client certificate with CLIENT_SUBJECT (made by hand: the helper's leaves have a CN only). */
function clientLeaf(d: CertDir, name: ClientCertName): CertFiles {
  if (name === 'rogue') return d.leaf('rogue', ['DNS:rogue'], { selfSigned: true });
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-utf8', '-subj', CLIENT_SUBJECT], d.dir);
  const ext = join(d.dir, 'client.ext');
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', ext], d.dir);
  return filesOf(d.dir, 'client');
}

function leaf(name: string): CertFiles {
  let f = leaves.get(name);
  if (f === undefined) {
    const d = dir();
    f = name === 'client' || name === 'rogue' ? clientLeaf(d, name) : d.leaf(name, [`DNS:${name}`]);
    leaves.set(name, f);
  }
  return f;
}

/** Writes the spec's certificates into `serverRoot`/certs/ (see the header). */
export function installCaseCerts(serverRoot: string, spec: CaseCertsSpec): void {
  const target = join(serverRoot, 'certs');
  mkdirSync(target, { recursive: true });
  const names = [...(spec.names ?? []), ...(spec.client ? ['client', 'rogue'] : [])];
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`certs: "${name}" is not a host name`);
    const f = leaf(name);
    copyFileSync(f.cert, join(target, `${name}.crt`));
    copyFileSync(f.key, join(target, `${name}.key`));
    writeFileSync(join(target, `${name}.fullchain.crt`), Buffer.concat([f.certPem, dir().ca.certPem]));
  }
  copyFileSync(dir().ca.cert, join(target, 'ca.crt'));
}

/** The PEM certificate and key the raw client presents for `"clientCert": name`. */
export function clientCertificate(name: ClientCertName): { readonly cert: Buffer; readonly key: Buffer } {
  const f = leaf(name);
  return { cert: f.certPem, key: f.keyPem };
}
