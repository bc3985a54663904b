// mod_ssl's directives a reverse proxy needs (mod_ssl.c command table, ssl_engine_config.c), compiled into typed
// settings. Like `httpd -t`, certificate and CA files must exist (relative paths resolve against ServerRoot).
// SSLProxy* directives stand at server/vhost level or in <Proxy>/<ProxyMatch> (2.4.30+), nowhere else.
import { acceptRow } from '../../config/rows.js';
import { checkTlsSites } from '../../tls/check.js';
import type { DirectiveDef, ModuleDef, Site, Where } from '../../config/types.js';
import { parseOnOff } from '../../config/values.js';
import { atoi, serverRootRelative, statPath } from '../shared/files.js';
import { cacheSpec, cipherSuite, depth, existingDir, existingFile, protocols, seconds, sslOptions, verifyMode } from './parse.js';
import type { CacheSpec, Parse, SslOptionChange, TlsProtocol, VerifyMode } from './parse.js';

export type { CacheSpec, SslOption, SslOptionChange, TlsProtocol, VerifyMode } from './parse.js';

export type CipherSuites = { SSL?: string; 'TLSv1.3'?: string };

export interface SslProxySettings {
  engine?: boolean;
  verify?: VerifyMode;
  verifyDepth?: number;
  caCertificateFile?: string;
  caCertificatePath?: string;
  checkPeerName?: boolean;
  checkPeerCN?: boolean;
  checkPeerExpire?: boolean;
  machineCertificateFile?: string;
  protocols?: TlsProtocol[];
  cipherSuite?: CipherSuites;
}

/** Settings httpd also allows per directory. */
export interface SslDirSettings {
  verifyClient?: VerifyMode;
  verifyDepth?: number;
  caCertificateFile?: string;
  caCertificatePath?: string;
  cipherSuite?: CipherSuites;
  options: SslOptionChange[];
  proxy: SslProxySettings;
}

export type RandomSeed = { readonly context: 'startup' | 'connect'; readonly source: 'builtin' | 'file' | 'exec'; readonly path?: string; readonly bytes?: number };
export type PassPhraseDialog = { readonly kind: 'builtin' } | { readonly kind: 'pipe' | 'exec'; readonly program: string };

export interface SslServerConf extends SslDirSettings {
  engine?: boolean;
  certificateFiles: string[];
  certificateKeyFiles: string[];
  certificateChainFile?: string;
  protocols?: TlsProtocol[];
  honorCipherOrder?: boolean;
  strictSniVHostCheck?: boolean;
  sessionCache?: CacheSpec;
  sessionCacheTimeout?: number;
  useStapling?: boolean;
  staplingCache?: CacheSpec;
  randomSeeds: RandomSeed[];
  passPhraseDialog?: PassPhraseDialog;
}

export type SslDirConf = SslDirSettings;
type Conf = { server: SslServerConf; dir: SslDirConf | undefined };
type Row = DirectiveDef<SslServerConf, SslDirConf>;

const ANY: readonly Where[] = ['server', 'vhost', 'dir'];
const S_V: readonly Where[] = ['server', 'vhost'];

/** A row that parses its words and stores the value with `store`. */
function row<T>(
  name: string, args: Row['args'], where: readonly Where[], help: string,
  parse: (args: readonly string[], at: Site) => Parse<T>,
  store: (conf: Conf, value: T) => void,
): Row {
  return {
    name, args, where, help,
    apply(conf, words, at) {
      const v = parse(words, at);
      if (!v.ok) return v.error;
      store(conf, v.value);
      return undefined;
    },
  };
}

const flag = (name: string) => (w: readonly string[]) => parseOnOff(w[0] ?? '', name);
const settings = (c: Conf): SslDirSettings => c.dir ?? c.server;

/** SSLProxy*: allowed in server/vhost context and in <Proxy> sections only (httpd's PROXY_CONF). */
function proxyRow<T>(name: string, args: Row['args'], help: string, parse: (a: readonly string[], at: Site) => Parse<T>, store: (p: SslProxySettings, v: T) => void): Row {
  const inner = row<T>(name, args, ANY, help, parse, (c, v) => store(settings(c).proxy, v));
  return {
    ...inner,
    apply(conf, words, at) {
      const section = at.sections[0];
      if (at.dir !== undefined && section !== undefined && section.cls !== 'Proxy') return `${name} not allowed in <${section.name}> context`;
      return inner.apply(conf, words, at);
    },
  };
}

function randomSeed([ctx = '', src = '', bytes]: readonly string[], at: Site): Parse<RandomSeed> {
  if (ctx !== 'startup' && ctx !== 'connect') return { ok: false, error: `SSLRandomSeed: invalid context: \`${ctx}'` };
  if (src === 'builtin') {
    return bytes === undefined ? { ok: true, value: { context: ctx, source: 'builtin' } } : { ok: false, error: 'SSLRandomSeed: byte specification not allowed for builtin seed source' };
  }
  if (/^egd:/.test(src)) return { ok: false, error: `Invalid SSLRandomSeed entropy source \`${src}': This version of OpenSSL does not support the Entropy Gathering Daemon (EGD).` };
  const source = src.startsWith('exec:') ? 'exec' : 'file';
  const path = serverRootRelative(at.model.serverRoot, src.replace(/^(?:exec|file):/, ''));
  if (statPath(path).kind === 'missing') return { ok: false, error: `SSLRandomSeed: source path '${path}' does not exist` };
  return { ok: true, value: { context: ctx, source, path, ...(bytes !== undefined ? { bytes: atoi(bytes) } : {}) } };
}

function passPhrase([w = '']: readonly string[], at: Site): Parse<PassPhraseDialog> {
  if (w === 'builtin') return { ok: true, value: { kind: 'builtin' } };
  if (w.startsWith('|')) return { ok: true, value: { kind: 'pipe', program: w.slice(1) } };
  if (!w.startsWith('exec:')) return { ok: false, error: 'SSLPassPhraseDialog: Invalid argument' };
  const program = serverRootRelative(at.model.serverRoot, w.slice(5));
  return statPath(program).kind === 'missing' ? { ok: false, error: `SSLPassPhraseDialog: file '${program}' does not exist` } : { ok: true, value: { kind: 'exec', program } };
}

function engine([w = '']: readonly string[], at: Site): Parse<boolean | undefined> {
  const lower = w.toLowerCase();
  if (lower === 'optional') {
    at.report('notice', "'SSLEngine optional' is no longer supported", at.words[0], 'AH10510');
    return { ok: true, value: undefined };
  }
  return lower === 'on' || lower === 'off' ? { ok: true, value: lower === 'on' } : { ok: false, error: 'Argument must be On or Off' };
}

const file = (name: string) => (w: readonly string[], at: Site) => existingFile(name, w[0] ?? '', at);
const dir = (name: string) => (w: readonly string[], at: Site) => existingDir(name, w[0] ?? '', at);
const PROTO = "('[+-][TLSv1|TLSv1.1|TLSv1.2] ...' - see manual)";

const rows: Row[] = [
  row('SSLEngine', 'TAKE1', S_V, "SSL switch for the protocol engine ('on', 'off')", engine, (c, v) => void (v !== undefined && (c.server.engine = v))),
  row('SSLCertificateFile', 'TAKE1', S_V, "SSL Server Certificate file ('/path/to/file' - PEM or DER encoded)", file('SSLCertificateFile'), (c, v) => void c.server.certificateFiles.push(v)),
  row('SSLCertificateKeyFile', 'TAKE1', S_V, "SSL Server Private Key file ('/path/to/file' - PEM or DER encoded)", file('SSLCertificateKeyFile'), (c, v) => void c.server.certificateKeyFiles.push(v)),
  row('SSLCertificateChainFile', 'TAKE1', S_V, "SSL Server CA Certificate Chain file ('/path/to/file' - PEM encoded)", file('SSLCertificateChainFile'), (c, v) => void (c.server.certificateChainFile = v)),
  row('SSLCACertificateFile', 'TAKE1', ANY, "SSL CA Certificate file ('/path/to/file' - PEM encoded)", file('SSLCACertificateFile'), (c, v) => void (settings(c).caCertificateFile = v)),
  row('SSLCACertificatePath', 'TAKE1', ANY, "SSL CA Certificate path ('/path/to/dir' - contains PEM encoded files)", dir('SSLCACertificatePath'), (c, v) => void (settings(c).caCertificatePath = v)),
  row('SSLVerifyClient', 'TAKE1', ANY, "SSL Client verify type ('none', 'optional', 'require', 'optional_no_ca')", (w) => verifyMode('SSLVerifyClient', w[0] ?? ''), (c, v) => void (settings(c).verifyClient = v)),
  row('SSLVerifyDepth', 'TAKE1', ANY, "SSL Client verify depth ('N' - number of intermediate certificates)", (w) => depth('SSLVerifyDepth', w[0] ?? ''), (c, v) => void (settings(c).verifyDepth = v)),
  row('SSLProtocol', 'RAW_ARGS', S_V, `Enable or disable various SSL protocols ${PROTO}`, (w, at) => protocols('SSLProtocol', w, at), (c, v) => void (c.server.protocols = v)),
  row('SSLCipherSuite', 'TAKE12', ANY, "Colon-delimited list of permitted SSL Ciphers, optional preceded by protocol identifier ('XXX:...:XXX' - see manual)", cipherSuite, (c, v) => void (settings(c).cipherSuite = { ...settings(c).cipherSuite, [v.protocol]: v.spec })),
  row('SSLStrictSNIVHostCheck', 'FLAG', S_V, 'Strict SNI virtual host checking', flag('SSLStrictSNIVHostCheck'), (c, v) => void (c.server.strictSniVHostCheck = v)),
  row('SSLHonorCipherOrder', 'FLAG', S_V, "Use the server's cipher ordering preference", flag('SSLHonorCipherOrder'), (c, v) => void (c.server.honorCipherOrder = v)),
  row('SSLOptions', 'RAW_ARGS', ANY, "Set one or more options to configure the SSL engine('[+-]option[=value] ...' - see manual)", (w) => sslOptions('SSLOptions', w), (c, v) => void settings(c).options.push(...v)),
  row('SSLSessionCache', 'TAKE1', S_V, "SSL Session Cache storage ('none', 'nonenotnull', 'dbm:/path/to/file')", (w) => cacheSpec('SSLSessionCache', w[0] ?? '', false), (c, v) => void (c.server.sessionCache = v)),
  row('SSLSessionCacheTimeout', 'TAKE1', S_V, "SSL Session Cache object lifetime ('N' - number of seconds)", (w) => seconds('SSLSessionCacheTimeout', w[0] ?? ''), (c, v) => void (c.server.sessionCacheTimeout = v)),
  row('SSLUseStapling', 'FLAG', S_V, "SSL switch for the OCSP Stapling protocol (`on', `off')", flag('SSLUseStapling'), (c, v) => void (c.server.useStapling = v)),
  row('SSLStaplingCache', 'TAKE1', ['server'], "SSL Stapling Response Cache storage (`dbm:/path/to/file')", (w) => cacheSpec('SSLStaplingCache', w[0] ?? '', true), (c, v) => void (c.server.staplingCache = v)),
  row('SSLRandomSeed', 'TAKE23', ['server'], "SSL Pseudo Random Number Generator (PRNG) seeding source ('startup|connect builtin|file:/path|exec:/path [bytes]')", randomSeed, (c, v) => void c.server.randomSeeds.push(v)),
  row('SSLPassPhraseDialog', 'TAKE1', ['server'], "SSL dialog mechanism for the pass phrase query ('builtin', '|/path/to/pipe_program', or 'exec:/path/to/cgi_program')", passPhrase, (c, v) => void (c.server.passPhraseDialog = v)),
  proxyRow('SSLProxyEngine', 'FLAG', "SSL switch for the proxy protocol engine ('on', 'off')", flag('SSLProxyEngine'), (p, v) => void (p.engine = v)),
  proxyRow('SSLProxyVerify', 'TAKE1', "SSL Proxy: whether to verify the remote certificate ('on' or 'off')", (w) => verifyMode('SSLProxyVerify', w[0] ?? ''), (p, v) => void (p.verify = v)),
  proxyRow('SSLProxyVerifyDepth', 'TAKE1', "SSL Proxy: maximum certificate verification depth ('N' - number of intermediate certificates)", (w) => depth('SSLProxyVerifyDepth', w[0] ?? ''), (p, v) => void (p.verifyDepth = v)),
  proxyRow('SSLProxyCACertificateFile', 'TAKE1', "SSL Proxy: file containing server certificates ('/path/to/file' - PEM encoded certificates)", file('SSLProxyCACertificateFile'), (p, v) => void (p.caCertificateFile = v)),
  proxyRow('SSLProxyCACertificatePath', 'TAKE1', "SSL Proxy: directory containing server certificates ('/path/to/dir' - contains PEM encoded certificates)", dir('SSLProxyCACertificatePath'), (p, v) => void (p.caCertificatePath = v)),
  proxyRow('SSLProxyCheckPeerName', 'FLAG', 'SSL Proxy: check the peer certificate\'s name (must be present in subjectAltName extension or CN', flag('SSLProxyCheckPeerName'), (p, v) => void (p.checkPeerName = v)),
  proxyRow('SSLProxyCheckPeerCN', 'FLAG', "SSL Proxy: check the peer certificate's CN", flag('SSLProxyCheckPeerCN'), (p, v) => void (p.checkPeerCN = v)),
  proxyRow('SSLProxyCheckPeerExpire', 'FLAG', "SSL Proxy: check the peer certificate's expiration date", flag('SSLProxyCheckPeerExpire'), (p, v) => void (p.checkPeerExpire = v)),
  proxyRow('SSLProxyMachineCertificateFile', 'TAKE1', "SSL Proxy: file containing client certificates ('/path/to/file' - PEM encoded certificates)", file('SSLProxyMachineCertificateFile'), (p, v) => void (p.machineCertificateFile = v)),
  proxyRow('SSLProxyProtocol', 'RAW_ARGS', `SSL Proxy: enable or disable SSL protocol flavors ${PROTO}`, (w, at) => protocols('SSLProxyProtocol', w, at), (p, v) => void (p.protocols = v)),
  proxyRow('SSLProxyCipherSuite', 'TAKE12', "SSL Proxy: colon-delimited list of permitted SSL ciphers , optionally preceded by protocol specifier ('XXX:...:XXX' - see manual)", cipherSuite, (p, v) => void (p.cipherSuite = { ...p.cipherSuite, [v.protocol]: v.spec })),
];

// The rest of mod_ssl's table: accepted with their argument counts so stock ssl.conf files load; later issues give
// them effect where a reverse proxy needs it.
const acceptedRows = [
  acceptRow('SSLSessionTickets', 'FLAG', S_V, 'Enable or disable TLS session tickets'),
  acceptRow('SSLSessionTicketKeyFile', 'TAKE1', S_V, 'TLS session ticket encryption/decryption key file (RFC 5077) (\'/path/to/file\' - file with 48 bytes of random data)'),
  acceptRow('SSLCompression', 'FLAG', S_V, 'Enable SSL level compression (`on\', `off\')'),
  acceptRow('SSLInsecureRenegotiation', 'FLAG', S_V, 'Enable support for insecure renegotiation'),
  acceptRow('SSLOpenSSLConfCmd', 'TAKE2', S_V, 'OpenSSL configuration command'),
  acceptRow('SSLCADNRequestFile', 'TAKE1', S_V, "SSL CA Distinguished Name file ('/path/to/file' - PEM encoded)"),
  acceptRow('SSLCADNRequestPath', 'TAKE1', S_V, "SSL CA Distinguished Name path ('/path/to/dir' - symlink hashes to PEM of CA certificates)"),
  acceptRow('SSLCARevocationFile', 'TAKE1', S_V, "SSL CA Certificate Revocation List file ('/path/to/file' - PEM encoded)"),
  acceptRow('SSLCARevocationPath', 'TAKE1', S_V, "SSL CA Certificate Revocation List path ('/path/to/dir' - contains PEM encoded files)"),
  acceptRow('SSLCARevocationCheck', 'RAW_ARGS', S_V, "SSL CA Certificate Revocation List check mode"),
  acceptRow('SSLOCSPEnable', 'RAW_ARGS', S_V, 'Enable use of OCSP to verify certificate revocation mode'),
  acceptRow('SSLOCSPDefaultResponder', 'TAKE1', S_V, 'URL of the default OCSP Responder'),
  acceptRow('SSLOCSPOverrideResponder', 'FLAG', S_V, 'Force use of the default responder URL'),
  acceptRow('SSLOCSPResponderTimeout', 'TAKE1', S_V, 'OCSP responder query timeout'),
  acceptRow('SSLOCSPResponseMaxAge', 'TAKE1', S_V, 'OCSP response maximum age'),
  acceptRow('SSLOCSPResponseTimeSkew', 'TAKE1', S_V, 'OCSP response validation maximum time difference'),
  acceptRow('SSLOCSPNoVerify', 'FLAG', S_V, 'Do not verify OCSP Responder certificate'),
  acceptRow('SSLOCSPUseRequestNonce', 'FLAG', S_V, 'Whether OCSP queries use a nonce or not'),
  acceptRow('SSLOCSPProxyURL', 'TAKE1', S_V, 'Proxy URL to use for OCSP requests'),
  acceptRow('SSLOCSPResponderCertificateFile', 'TAKE1', S_V, 'Set of trusted PEM encoded OCSP responder certificates'),
  acceptRow('SSLStaplingResponderTimeout', 'TAKE1', S_V, 'OCSP Stapling responder query timeout'),
  acceptRow('SSLStaplingResponseMaxAge', 'TAKE1', S_V, 'OCSP Stapling response maximum age'),
  acceptRow('SSLStaplingResponseTimeSkew', 'TAKE1', S_V, 'OCSP Stapling response validation maximum time difference'),
  acceptRow('SSLStaplingReturnResponderErrors', 'FLAG', S_V, 'Pass stapling related OCSP errors on to client'),
  acceptRow('SSLStaplingFakeTryLater', 'FLAG', S_V, 'Pass stapling related OCSP errors on to client'),
  acceptRow('SSLStaplingStandardCacheTimeout', 'TAKE1', S_V, 'SSL stapling option for number of seconds to cache responses'),
  acceptRow('SSLStaplingErrorCacheTimeout', 'TAKE1', S_V, 'SSL stapling option for number of seconds to cache errors'),
  acceptRow('SSLStaplingForceURL', 'TAKE1', S_V, 'SSL stapling option to Force the OCSP Stapling URL'),
  acceptRow('SSLVHostSNIPolicy', 'TAKE1', ['server'], 'SSL SNI vhost policy'),
  acceptRow('SSLCryptoDevice', 'TAKE1', ['server'], "SSL external Crypto Device usage ('builtin', '...')"),
  acceptRow('SSLFIPS', 'FLAG', ['server'], 'Enable FIPS-140 mode (`on\', `off\')'),
  acceptRow('SSLUserName', 'TAKE1', ANY, 'Set user name to SSL variable value'),
  acceptRow('SSLRenegBufferSize', 'TAKE1', ANY, 'Configure the amount of memory that will be used for buffering the request body if a per-location SSL renegotiation is required due to changed access control requirements'),
  acceptRow('SSLRequireSSL', 'NO_ARGS', ['dir'], 'Require the SSL protocol for the per-directory context (no arguments)'),
  acceptRow('SSLRequire', 'RAW_ARGS', ['dir'], 'Require a boolean expression to evaluate to true for granting access(arbitrary complex boolean expression - see manual)'),
  acceptRow('SSLSRPVerifierFile', 'TAKE1', S_V, "SRP verifier file ('/path/to/file' - created by srptool)"),
  acceptRow('SSLSRPUnknownUserSeed', 'TAKE1', S_V, 'SRP seed for unknown users (to avoid leaking a user\'s existence) (\'some secret text\')'),
  acceptRow('SSLProxyCARevocationFile', 'TAKE1', ['server', 'vhost', 'dir'], "SSL Proxy: CA Certificate Revocation List file ('/path/to/file' - PEM encoded)"),
  acceptRow('SSLProxyCARevocationPath', 'TAKE1', ['server', 'vhost', 'dir'], "SSL Proxy: CA Certificate Revocation List path ('/path/to/dir' - contains PEM encoded files)"),
  acceptRow('SSLProxyCARevocationCheck', 'RAW_ARGS', ['server', 'vhost', 'dir'], 'SSL Proxy: CA Certificate Revocation List check mode'),
  acceptRow('SSLProxyMachineCertificatePath', 'TAKE1', ['server', 'vhost', 'dir'], "SSL Proxy: directory containing client certificates ('/path/to/dir' - contains PEM encoded certificates)"),
  acceptRow('SSLProxyMachineCertificateChainFile', 'TAKE1', ['server', 'vhost', 'dir'], "SSL Proxy: file containing issuing certificates of the client certificate (`/path/to/file' - PEM encoded certificates)"),
];

export const sslModule: ModuleDef<SslServerConf, SslDirConf> = {
  name: 'ssl',
  id: 'ssl_module',
  source: 'mod_ssl.c',
  createServer: () => ({ certificateFiles: [], certificateKeyFiles: [], randomSeeds: [], options: [], proxy: {} }),
  createDir: () => ({ options: [], proxy: {} }),
  directives: [...rows, ...acceptedRows],
  finish: checkTlsSites,
};
