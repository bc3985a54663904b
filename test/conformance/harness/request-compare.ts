// What one request showed (the client's view and the backend's), the check of apache2's answer against the case's
// recorded expectation, and the differential rule tsproxyd versus apache2.
import type { BackendRequest } from './backend.js';
import type { Field, RawResponse, TlsResponse } from './raw-client.js';
import type { CompareOptions, Expectation, HeaderExpect, TlsExpectation } from './request-cases.js';
import { checkAfter, checkAfterHead, compareUpgrade, describeAfter, describeAfterHead, type AfterObservation } from './upgrade-compare.js';

export interface Observation {
  /** 0 when there was no complete response. */
  readonly status: number;
  readonly error?: string;
  readonly interim: readonly number[];
  readonly headers: readonly Field[];
  readonly body: string;
  readonly trailers: readonly Field[];
  readonly backend: readonly BackendRequest[];
  readonly durationMs: number;
  /** With the request's `after`: what came back after the response. */
  readonly after?: AfterObservation;
  /** Over TLS: the handshake as the client saw it. */
  readonly tls?: TlsResponse;
}

export function observe(r: RawResponse, backend: readonly BackendRequest[]): Observation {
  return {
    status: r.status ?? 0,
    ...(r.error ? { error: r.error } : {}),
    interim: r.interim.map((h) => h.status),
    headers: r.headers ?? [],
    body: r.body.toString('latin1'),
    trailers: r.trailers,
    backend,
    durationMs: r.durationMs,
    ...(r.after ? { after: { back: r.after.back.toString('latin1'), closed: r.after.closed } } : {}),
    ...(r.tls ? { tls: r.tls } : {}),
  };
}

const TLS_FIELDS = ['handshake', 'peerCN', 'chain', 'protocol', 'cipher', 'alpn', 'alert', 'resumed'] as const;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function checkTls(got: TlsResponse | undefined, want: TlsExpectation, out: string[]): void {
  if (got === undefined) {
    out.push('tls: the request was not sent over TLS');
    return;
  }
  for (const k of TLS_FIELDS) {
    const w = want[k];
    if (w === undefined) continue;
    const g = got[k] ?? null;
    if (!same(w, g)) out.push(`tls ${k}: want ${JSON.stringify(w)}, got ${JSON.stringify(g)}`);
  }
}

/** tsproxyd's handshake versus apache2's: the same certificate, protocol, ALPN and alert. */
function compareTls(a: TlsResponse | undefined, t: TlsResponse | undefined, out: string[]): void {
  if (a === undefined || t === undefined) return;
  for (const k of TLS_FIELDS) {
    if (!same(a[k], t[k])) out.push(`tls ${k}: apache2 ${JSON.stringify(a[k] ?? null)}, tsproxyd ${JSON.stringify(t[k] ?? null)}`);
  }
}

const values = (fields: readonly Field[], name: string): string[] =>
  fields.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

function checkHeaders(where: string, fields: readonly Field[], want: HeaderExpect, out: string[]): void {
  for (const [name, w] of Object.entries(want)) {
    const got = values(fields, name);
    if (w === null) {
      if (got.length) out.push(`${where} ${name}: want absent, got ${JSON.stringify(got)}`);
    } else {
      const ws = typeof w === 'string' ? [w] : [...w];
      if (JSON.stringify(ws) !== JSON.stringify(got)) out.push(`${where} ${name}: want ${JSON.stringify(ws)}, got ${got.length ? JSON.stringify(got) : 'absent'}`);
    }
  }
}

/** Differences between an observation and a (partial) expectation; empty when it holds. */
export function checkExpectation(o: Observation, e: Expectation): string[] {
  const out: string[] = [];
  if (o.status !== e.status) out.push(`status: want ${e.status}, got ${o.status || `none (${o.error})`}`);
  if (e.interim && JSON.stringify(e.interim) !== JSON.stringify(o.interim)) out.push(`interim responses: want ${JSON.stringify(e.interim)}, got ${JSON.stringify(o.interim)}`);
  if (e.headers) checkHeaders('response header', o.headers, e.headers, out);
  if (e.body !== undefined && e.body !== o.body) out.push(`response body: want ${JSON.stringify(e.body)}, got ${JSON.stringify(o.body)}`);
  if (e.after) checkAfter(o.after, e.after, out);
  if (e.tls) checkTls(o.tls, e.tls, out);
  if (e.backend) {
    if (e.backend.length !== o.backend.length) {
      out.push(`backend received ${o.backend.length} request(s) ${JSON.stringify(o.backend.map((b) => `${b.method} ${b.target}`))}, want ${e.backend.length}`);
    }
    e.backend.forEach((want, i) => {
      const got = o.backend[i];
      if (!got) return;
      const at = `backend request ${i + 1}`;
      if (want.method !== undefined && want.method !== got.method) out.push(`${at} method: want ${want.method}, got ${got.method}`);
      if (want.target !== undefined && want.target !== got.target) out.push(`${at} target: want ${JSON.stringify(want.target)}, got ${JSON.stringify(got.target)}`);
      if (want.body !== undefined && want.body !== got.body) out.push(`${at} body: want ${JSON.stringify(want.body)}, got ${JSON.stringify(got.body)}`);
      if (want.sni !== undefined && want.sni !== got.sni) out.push(`${at} SNI: want ${JSON.stringify(want.sni)}, got ${JSON.stringify(got.sni)}`);
      if (want.headers) checkHeaders(`${at} header`, got.headers, want.headers, out);
      checkAfterHead(at, got, want, out);
      if (want.headerOrder) {
        const names = got.headers.map(([k]) => k);
        if (JSON.stringify(names) !== JSON.stringify(want.headerOrder)) out.push(`${at} header order: want ${want.headerOrder.join(', ')}; got ${names.join(', ')}`);
      }
    });
  }
  return out;
}

/** Response headers that say how this hop framed or dated the message, not what the proxy decided. */
const RESPONSE_INCIDENTAL = new Set(['date', 'server', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function grouped(fields: readonly Field[], skip: (lower: string) => boolean): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of fields) {
    const lower = k.toLowerCase();
    if (skip(lower)) continue;
    const list = m.get(lower) ?? [];
    list.push(`${k}: ${v}`);
    m.set(lower, list);
  }
  return m;
}

function compareFieldGroups(where: string, a: readonly Field[], t: readonly Field[], skip: (lower: string) => boolean, out: string[]): void {
  const ga = grouped(a, skip);
  const gt = grouped(t, skip);
  for (const name of [...new Set([...ga.keys(), ...gt.keys()])].sort()) {
    const va = ga.get(name) ?? [];
    const vt = gt.get(name) ?? [];
    if (JSON.stringify(va) !== JSON.stringify(vt)) {
      out.push(`${where} ${name}: apache2 ${va.length ? JSON.stringify(va) : 'absent'}, tsproxyd ${vt.length ? JSON.stringify(vt) : 'absent'}`);
    }
  }
}

/** Did the response come from the backend (as opposed to an error the proxy made up)? */
export function fromBackend(o: Observation, backendStatus: number): boolean {
  const answered = o.backend.at(-1)?.answered;
  return o.backend.length > 0 && o.status === (answered || backendStatus);
}

/** tsproxyd versus apache2 on the same request; empty when they agree on everything that matters. */
export function compareObservations(a: Observation, t: Observation, opts: CompareOptions, method: string, backendStatus: number): string[] {
  const out: string[] = [];
  if (a.status !== t.status) out.push(`status: apache2 ${a.status || `none (${a.error})`}, tsproxyd ${t.status || `none (${t.error})`}`);
  if (JSON.stringify(a.interim) !== JSON.stringify(t.interim)) out.push(`interim responses: apache2 ${JSON.stringify(a.interim)}, tsproxyd ${JSON.stringify(t.interim)}`);

  if (a.backend.length !== t.backend.length) {
    const show = (o: Observation): string => (o.backend.length ? o.backend.map((b) => `${b.method} ${b.target}`).join(' | ') : 'nothing');
    out.push(`backend received: apache2 ${a.backend.length} (${show(a)}), tsproxyd ${t.backend.length} (${show(t)})`);
  }
  const ignore = new Set((opts.ignoreBackendHeaders ?? []).map((h) => h.toLowerCase()));
  for (let i = 0; i < Math.min(a.backend.length, t.backend.length); i++) {
    const ba = a.backend[i] as BackendRequest;
    const bt = t.backend[i] as BackendRequest;
    const at = a.backend.length > 1 ? `backend request ${i + 1}` : 'backend';
    if (ba.method !== bt.method) out.push(`${at} method: apache2 ${ba.method}, tsproxyd ${bt.method}`);
    if (ba.target !== bt.target) out.push(`${at} target: apache2 ${JSON.stringify(ba.target)}, tsproxyd ${JSON.stringify(bt.target)}`);
    if (ba.httpVersion !== bt.httpVersion) out.push(`${at} HTTP version: apache2 ${ba.httpVersion}, tsproxyd ${bt.httpVersion}`);
    if (ba.body !== bt.body) out.push(`${at} body: apache2 ${JSON.stringify(ba.body)}, tsproxyd ${JSON.stringify(bt.body)}`);
    if (ba.sni !== bt.sni) out.push(`${at} SNI: apache2 ${JSON.stringify(ba.sni)}, tsproxyd ${JSON.stringify(bt.sni)}`);
    compareFieldGroups(`${at} header`, ba.headers, bt.headers, (h) => ignore.has(h), out);
    if (opts.order) {
      const na = ba.headers.map(([k]) => k).filter((k) => !ignore.has(k.toLowerCase()));
      const nt = bt.headers.map(([k]) => k).filter((k) => !ignore.has(k.toLowerCase()));
      if (JSON.stringify(na) !== JSON.stringify(nt)) out.push(`${at} header order: apache2 ${na.join(', ')}; tsproxyd ${nt.join(', ')}`);
    }
  }

  compareUpgrade(a, t, out);
  compareTls(a.tls, t.tls, out);
  const passedThrough = fromBackend(a, backendStatus);
  const listed = new Set((opts.responseHeaders ?? []).map((h) => h.toLowerCase()));
  // A 101's Connection says the protocol switched: it is compared.
  if (a.status === 101) listed.add('connection');
  compareFieldGroups('response header', a.headers, t.headers, (h) => (passedThrough ? RESPONSE_INCIDENTAL.has(h) && !listed.has(h) : !listed.has(h)), out);
  if (passedThrough && method !== 'HEAD' && a.body !== t.body) {
    out.push(`response body: apache2 ${JSON.stringify(a.body.slice(0, 200))}, tsproxyd ${JSON.stringify(t.body.slice(0, 200))}`);
  }
  if (passedThrough) compareFieldGroups('response trailer', a.trailers, t.trailers, () => false, out);
  return out;
}

/** A compact account of an observation, for failure messages and the record mode. */
export function describeObservation(o: Observation): string {
  const lines = [`status ${o.status || 'none'}${o.error ? ` (${o.error})` : ''}${o.interim.length ? ` after ${o.interim.join(',')}` : ''} in ${o.durationMs} ms`];
  if (o.tls) lines.push(`  tls: ${JSON.stringify(o.tls)}`);
  for (const [k, v] of o.headers) lines.push(`  < ${k}: ${v}`);
  if (o.body) lines.push(`  < body ${JSON.stringify(o.body.length > 300 ? o.body.slice(0, 300) + '…' : o.body)}`);
  for (const [k, v] of o.trailers) lines.push(`  < trailer ${k}: ${v}`);
  lines.push(...describeAfter(o.after));
  if (o.backend.length === 0) lines.push('  backend: nothing received');
  for (const b of o.backend) {
    lines.push(`  backend: ${b.method} ${b.target} HTTP/${b.httpVersion}${b.complete ? '' : ' (body incomplete)'}${b.sni !== undefined ? ` (SNI ${JSON.stringify(b.sni)})` : ''}`);
    for (const [k, v] of b.headers) lines.push(`    > ${k}: ${v}`);
    if (b.body) lines.push(`    > body ${JSON.stringify(b.body.length > 300 ? b.body.slice(0, 300) + '…' : b.body)}`);
    for (const [k, v] of b.trailers) lines.push(`    > trailer ${k}: ${v}`);
    lines.push(...describeAfterHead(b));
  }
  return lines.join('\n');
}

/** Backend request headers worth recording in a suggested expectation (all of them, minus none). */
function headerDict(fields: readonly Field[]): Record<string, string | string[]> {
  const d: Record<string, string | string[]> = {};
  for (const [k, v] of fields) {
    const prev = d[k];
    d[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return d;
}

const RECORDED_RESPONSE = /^(location|content-location|uri|set-cookie|via|x-.*|cache-control|trailer|allow|upgrade|sec-websocket-.*)$/i;

/** What a case's "expect" would say for this observation (record mode; review before use). */
export function suggestExpectation(o: Observation): Expectation {
  const upgrading = o.status === 101 || o.headers.some(([k]) => k.toLowerCase() === 'upgrade');
  const headers = o.headers.filter(([k]) => RECORDED_RESPONSE.test(k) || (upgrading && k.toLowerCase() === 'connection'));
  return {
    status: o.status,
    ...(o.after ? { after: { back: o.after.back, closed: o.after.closed } } : {}),
    ...(o.tls ? { tls: { handshake: o.tls.handshake, ...(o.tls.peerCN ? { peerCN: o.tls.peerCN } : {}), ...(o.tls.protocol ? { protocol: o.tls.protocol } : {}), ...(o.tls.cipher ? { cipher: o.tls.cipher } : {}), ...(o.tls.alpn ? { alpn: o.tls.alpn } : {}), ...(o.tls.resumed !== undefined ? { resumed: o.tls.resumed } : {}), alert: o.tls.alert ?? null } } : {}),
    ...(o.interim.length ? { interim: o.interim } : {}),
    ...(headers.length ? { headers: headerDict(headers) } : {}),
    backend: o.backend.map((b) => ({
      method: b.method,
      target: b.target,
      headerOrder: b.headers.map(([k]) => k),
      headers: headerDict(b.headers),
      ...(b.body ? { body: b.body } : {}),
      ...(b.sni !== undefined ? { sni: b.sni } : {}),
      ...(b.afterHead !== undefined && b.afterHead !== '' ? { afterHead: b.afterHead } : {}),
    })),
  };
}
