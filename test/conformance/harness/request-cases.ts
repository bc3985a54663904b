// The case table for request cases: test/conformance/request-cases/.
//
//   NAME/config.conf     the config both servers serve (a real httpd config; placeholders as in check cases, plus
//                        @BACKEND@ = the recording backend's port and @PORT_DEAD@ = a port nobody listens on)
//   NAME/requests.json   what to send and what apache2 answered (see RequestCaseFile below)
//   NAME/*               any other file is written to the ServerRoot too (Include targets)
//   _X                   shared file, written to every ServerRoot as X (_common.conf -> common.conf)
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { AccessLogSpec } from './access-logs.js';
import type { BackendBehaviour } from './backend.js';
import type { CaseCertsSpec, ClientCertName } from './case-certs.js';
import { filesUnder, sharedTemplates, toPosix } from './cases.js';
import type { TemplateFile } from './server-root.js';
import { expandFrames } from './ws-frames.js';

/** Header expectations: a value (exactly one field with it), several (that many fields, in order), null (absent). */
export type HeaderExpect = Readonly<Record<string, string | readonly string[] | null>>;

export interface ExpectedBackendRequest {
  readonly method?: string;
  /** The request-target on the line the backend received. */
  readonly target?: string;
  readonly headers?: HeaderExpect;
  /** Every header name the backend received, in order, spelled as sent. */
  readonly headerOrder?: readonly string[];
  readonly body?: string;
  /** An upgrade request: the bytes the backend received on that connection after the head ("" = none). */
  readonly afterHead?: string;
  /** With `backendTls`: the SNI name the proxy sent to the backend ("" = none). */
  readonly sni?: string;
}

/** What came back on the client's connection after the response, once `after.send` was sent. */
export interface AfterExpectation {
  /** Exactly these bytes ("{{ws-server:TEXT}}" and the like allowed). */
  readonly back?: string;
  /** Bytes that start with these. */
  readonly backPrefix?: string;
  /** The server closed the connection within the wait. */
  readonly closed?: boolean;
}

export interface Expectation {
  readonly status: number;
  /** What reached the backend, in order; [] = nothing did. Omitted = not checked. */
  readonly backend?: readonly ExpectedBackendRequest[];
  /** Response header fields. */
  readonly headers?: HeaderExpect;
  /** Statuses of interim (1xx) responses. */
  readonly interim?: readonly number[];
  /** The response body, exactly. */
  readonly body?: string;
  /** With the request's `after`: what came back after the response. */
  readonly after?: AfterExpectation;
  /** Over TLS: what the client's handshake showed. */
  readonly tls?: TlsExpectation;
}

export interface TlsExpectation {
  /** The handshake completed on the client's side. */
  readonly handshake?: boolean;
  /** CN of the certificate the server presented (which one SNI selected). */
  readonly peerCN?: string;
  /** Subject CNs of the certificates the server sent, leaf first. */
  readonly chain?: readonly string[];
  readonly protocol?: string;
  readonly cipher?: string;
  readonly alpn?: string;
  /** The TLS alert the client received ("certificate required"); null = none. */
  readonly alert?: string | null;
  /** With the request's `resume`: the server resumed the session. */
  readonly resumed?: boolean;
}

/**
 * Send the request over TLS (the server's certificate is not verified; its CN is recorded). `servername`: the SNI
 * (none by default: the client connects to 127.0.0.1); `clientCert`: present certs/client.crt (signed by the case's
 * CA; `true` means "client") or certs/rogue.crt (self-signed); `alpn`: protocols to offer; `minVersion`,
 * `maxVersion`, `ciphers`: what the client offers; `resume`: offer a session from an earlier handshake.
 */
export interface TlsRequestSpec {
  readonly servername?: string;
  readonly clientCert?: boolean | ClientCertName;
  readonly alpn?: readonly string[];
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** The TLS 1.2 cipher list the client offers (OpenSSL syntax). */
  readonly ciphers?: string;
  /**
   * First a handshake without a request (same servername, versions, certificate) to get a session from the server,
   * then the request on a new connection that offers to resume it. `{"servername": "b.test"}`: get the session
   * with that SNI instead (resuming across virtual hosts).
   */
  readonly resume?: boolean | { readonly servername: string };
}

export interface CompareOptions {
  /** Also compare the order of every header name the backend received. */
  readonly order?: boolean;
  /** Backend request headers not compared (lower case). */
  readonly ignoreBackendHeaders?: readonly string[];
  /** Response headers compared even when the proxy generated the response (lower case). */
  readonly responseHeaders?: readonly string[];
}

export interface RequestSpec {
  readonly name: string;
  readonly description?: string;
  /** The request: lines joined with CRLF (["GET / HTTP/1.1", "Host: x", "", ""]), or one string taken as is.
   *  "{{repeat:TEXT:N}}" expands to TEXT N times. */
  readonly send: readonly string[] | string;
  /** The backend's behaviour for this request, on top of the case's. */
  readonly backend?: BackendBehaviour;
  /** Send the head first and the body after 100 Continue (or this many ms). */
  readonly continueWaitMs?: number;
  readonly timeoutMs?: number;
  /** The port placeholder to connect to (default PORT). */
  readonly port?: string;
  /**
   * Once the response is complete (a 101's head, or a whole refusal), send `send` on the same connection ("{{ws:TEXT}}"
   * is a masked client frame) and keep what comes back for `waitMs` (default 400), or until as many bytes as
   * `expect.after.back` holds. After a 101 it goes through the tunnel; after a refusal it is a smuggling probe.
   */
  readonly after?: { readonly send: string; readonly waitMs?: number };
  readonly compare?: CompareOptions;
  /** Over TLS (overrides the case's `tls`; false = plain TCP). */
  readonly tls?: TlsRequestSpec | boolean;
  /** What apache2 answers (asserted against apache2 on every run). */
  readonly expect: Expectation;
  /** tsproxyd deliberately answers differently: what it must answer instead, and why. */
  readonly tsproxydDiverges?: { readonly reason: string; readonly expect: Expectation };
  /**
   * The behaviour belongs to a later issue (e.g. "issue #6: balancers"): apache2's answer is still checked, the
   * tsproxyd comparison is reported as skipped with this text, never as passed.
   */
  readonly pending?: string;
}

export interface RequestCaseFile {
  readonly description: string;
  /** -D NAME pairs for both servers. */
  readonly args?: readonly string[];
  readonly backend?: BackendBehaviour;
  /** The recording backend speaks HTTPS (wss://, https://) with a self-signed certificate made at test time. */
  readonly backendTls?: boolean;
  /** Access logs both servers write, compared line by line after the case (harness/access-logs.ts). */
  readonly accessLogs?: AccessLogSpec;
  /** Certificates made at run time into @SERVERROOT@/certs/ (harness/case-certs.ts). */
  readonly certs?: CaseCertsSpec;
  /** Every request over TLS unless it says otherwise (`"tls": true` = TLS without SNI or client certificate). */
  readonly tls?: TlsRequestSpec | boolean;
  readonly requests: readonly RequestSpec[];
}

export interface RequestCase extends RequestCaseFile {
  readonly name: string;
  readonly source: string;
  /** Path of the served config inside the ServerRoot. */
  readonly main: string;
  readonly files: readonly TemplateFile[];
}


function validate(c: RequestCaseFile, source: string): void {
  if (typeof c.description !== 'string' || !Array.isArray(c.requests) || c.requests.length === 0) {
    throw new Error(`${source}: needs "description" and a non-empty "requests" array`);
  }
  const names = new Set<string>();
  for (const r of c.requests) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(r.name ?? '')) throw new Error(`${source}: request name "${r.name}" must be kebab-case`);
    if (names.has(r.name)) throw new Error(`${source}: duplicate request name "${r.name}"`);
    names.add(r.name);
    if (typeof r.expect?.status !== 'number') throw new Error(`${source}: request "${r.name}" needs "expect": {"status": N, …}`);
    if (r.after !== undefined && typeof r.after.send !== 'string') throw new Error(`${source}: request "${r.name}": "after" needs "send": "bytes"`);
    if (r.tsproxydDiverges && (typeof r.tsproxydDiverges.reason !== 'string' || typeof r.tsproxydDiverges.expect?.status !== 'number')) {
      throw new Error(`${source}: request "${r.name}": "tsproxydDiverges" needs "reason" and "expect": {"status": N, …}`);
    }
  }
  for (let i = 0; i < (c.args ?? []).length; i += 2) {
    if (c.args?.[i] !== '-D' || !/^[A-Za-z_]\w*$/.test(c.args[i + 1] ?? '')) throw new Error(`${source}: "args" may only hold "-D", "NAME" pairs`);
  }
}

export async function loadRequestCases(dir: string): Promise<RequestCase[]> {
  const entries = (await readdir(dir)).sort();
  const shared = await sharedTemplates(dir, entries);
  const cases: RequestCase[] = [];
  for (const name of entries) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    const source = join(dir, name);
    if (!(await stat(source)).isDirectory()) continue;
    const own: TemplateFile[] = [];
    let table: RequestCaseFile | undefined;
    for (const file of await filesUnder(source)) {
      const path = toPosix(relative(source, file));
      if (path === 'requests.json') {
        try {
          table = JSON.parse(await readFile(file, 'utf8')) as RequestCaseFile;
        } catch (e) {
          throw new Error(`${file}: ${(e as Error).message}`);
        }
      } else own.push({ path, template: await readFile(file, 'utf8'), source: file });
    }
    if (!table) throw new Error(`${source}: a request case needs requests.json`);
    if (!own.some((f) => f.path === 'config.conf')) throw new Error(`${source}: a request case needs config.conf`);
    validate(table, join(source, 'requests.json'));
    cases.push({ ...table, name, source, main: 'config.conf', files: [...shared, ...own] });
  }
  return cases;
}

/** The TLS options of a request (its own `tls`, else the case's), or undefined for plain TCP. */
export function tlsOf(c: RequestCaseFile, r: RequestSpec): TlsRequestSpec | undefined {
  const t = r.tls ?? c.tls;
  return t === undefined || t === false ? undefined : t === true ? {} : t;
}

/** The bytes of a request spec: lines joined with CRLF, {{repeat:TEXT:N}} and {{ws:TEXT}} expanded, placeholders rendered. */
export function requestBytes(spec: RequestSpec, render: (s: string) => string): Buffer {
  const text = typeof spec.send === 'string' ? spec.send : spec.send.join('\r\n');
  return Buffer.from(expandFrames(render(expandRepeats(text))), 'latin1');
}

/**
 * The raw client's `after` option for a request: its `after.send` expanded like the request, the wait (default
 * 400 ms), and, when the expectation says what comes back, that many bytes as the early end of the wait.
 */
export function afterOptions(
  spec: RequestSpec,
  render: (s: string) => string,
): { readonly send: Buffer; readonly waitMs: number; readonly untilBytes?: number } | undefined {
  if (spec.after === undefined) return undefined;
  const send = Buffer.from(expandFrames(render(expandRepeats(spec.after.send))), 'latin1');
  const back = renderExpectation(spec.expect, render).after?.back;
  return { send, waitMs: spec.after.waitMs ?? 400, ...(back ? { untilBytes: Buffer.byteLength(back, 'latin1') } : {}) };
}

/** "{{repeat:TEXT:N}}" -> TEXT repeated N times (long request lines and headers stay readable in the table). */
export function expandRepeats(text: string): string {
  return text.replace(/\{\{repeat:([^:}]*):(\d+)\}\}/g, (_m, what: string, n: string) => what.repeat(Number(n)));
}

export function requestMethod(bytes: Buffer): string {
  return /^[^ \r\n]*/.exec(bytes.subarray(0, 64).toString('latin1'))?.[0] ?? '';
}

/** Renders the placeholders inside an expectation (ports appear in Host, Location, …), and frames in byte fields. */
export function renderExpectation(e: Expectation, render: (s: string) => string): Expectation {
  const r = JSON.parse(render(expandRepeats(JSON.stringify(e)))) as Expectation;
  // Frames hold control bytes, which JSON text cannot: they are expanded in the parsed strings.
  const bytes = (s: string | undefined): string | undefined => (s === undefined ? undefined : expandFrames(s));
  const after = r.after && { ...r.after, back: bytes(r.after.back), backPrefix: bytes(r.after.backPrefix) };
  const backend = r.backend?.map((b) => ({ ...b, body: bytes(b.body), afterHead: bytes(b.afterHead) }));
  return JSON.parse(JSON.stringify({ ...r, ...(after ? { after } : {}), ...(backend ? { backend } : {}) })) as Expectation;
}
