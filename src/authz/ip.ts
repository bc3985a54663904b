// mod_authz_host's `Require ip` address forms, as apr_ipsubnet_create reads them: a full address ("10.1.2.3",
// "::1"), a partial IPv4 address ("10.1" = 10.1.0.0/16), address/bits ("10.0.0.0/8", "2001:db8::/32") and
// address/netmask ("10.0.0.0/255.0.0.0"). Matching is on bytes; an IPv4-mapped IPv6 client ("::ffff:10.1.2.3",
// what Node reports on a dual-stack listener) matches IPv4 subnets, as APR's apr_ipsubnet_test does.
import { isIPv4, isIPv6 } from 'node:net';

export interface Subnet {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly mask: Uint8Array;
}

function v4Bytes(s: string): Uint8Array | undefined {
  if (!isIPv4(s)) return undefined;
  return Uint8Array.from(s.split('.').map(Number));
}

function v6Bytes(s: string): Uint8Array | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 address ("::ffff:10.1.2.3") as its two 16-bit groups.
    const b = v4Bytes(tail);
    if (b === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const dbl = text.indexOf('::');
  const part = (x: string) => (x === '' ? [] : x.split(':').map((h) => Number.parseInt(h, 16)));
  let groups: number[];
  if (dbl < 0) groups = part(text);
  else {
    const h = part(text.slice(0, dbl));
    const r = part(text.slice(dbl + 2));
    groups = [...h, ...new Array<number>(Math.max(0, 8 - h.length - r.length)).fill(0), ...r];
  }
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function maskOfBits(bits: number, len: number): Uint8Array {
  const m = new Uint8Array(len);
  for (let i = 0; i < len; i++) m[i] = bits >= 8 * (i + 1) ? 0xff : bits > 8 * i ? (0xff << (8 - (bits - 8 * i))) & 0xff : 0;
  return m;
}

/** One `Require ip` word as a subnet, or httpd's error text. */
export function parseSubnet(word: string): { ok: true; value: Subnet } | { ok: false; error: string } {
  const invalid = { ok: false as const, error: `ip address '${word}' appears to be invalid` };
  const badMask = { ok: false as const, error: `ip address '${word}' appears to be invalid: The specified network mask is invalid.` };
  const slash = word.indexOf('/');
  const addr = slash < 0 ? word : word.slice(0, slash);
  const maskText = slash < 0 ? undefined : word.slice(slash + 1);
  if (addr.includes(':')) {
    const bytes = v6Bytes(addr);
    if (bytes === undefined) return invalid;
    let bits = 128;
    if (maskText !== undefined) {
      if (!/^\d+$/.test(maskText) || Number(maskText) > 128 || Number(maskText) < 1) return badMask;
      bits = Number(maskText);
    }
    const mask = maskOfBits(bits, 16);
    return { ok: true, value: { family: 6, bytes: bytes.map((b, i) => b & mask[i]!), mask } };
  }
  // IPv4, possibly partial ("10.1" or "10.1."): the given octets, the rest wild.
  const octets = addr.replace(/\.$/, '').split('.');
  if (octets.length < 1 || octets.length > 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) return invalid;
  const bytes = new Uint8Array(4);
  octets.forEach((o, i) => (bytes[i] = Number(o)));
  let mask = maskOfBits(8 * octets.length, 4);
  if (maskText !== undefined) {
    if (octets.length !== 4) return badMask;
    if (/^\d+$/.test(maskText)) {
      const bits = Number(maskText);
      if (bits < 1 || bits > 32) return badMask;
      mask = maskOfBits(bits, 4);
    } else {
      const m = v4Bytes(maskText);
      if (m === undefined) return badMask;
      mask = m;
    }
  }
  return { ok: true, value: { family: 4, bytes: bytes.map((b, i) => b & mask[i]!), mask } };
}

/** A client address as bytes: IPv4 (also from "::ffff:a.b.c.d") or IPv6. */
export function addressBytes(address: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = v4Bytes(a);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = v6Bytes(a.replace(/%.*$/, ''));
  if (v6 === undefined) return undefined;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
}

export function subnetContains(s: Subnet, addr: { family: 4 | 6; bytes: Uint8Array }): boolean {
  if (s.family !== addr.family) return false;
  for (let i = 0; i < s.bytes.length; i++) if ((addr.bytes[i]! & s.mask[i]!) !== s.bytes[i]) return false;
  return true;
}

/** 127.0.0.0/8 and ::1 (and their IPv4-mapped form). */
export function isLoopback(address: string): boolean {
  const a = addressBytes(address);
  if (a === undefined) return false;
  if (a.family === 4) return a.bytes[0] === 127;
  return a.bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** Whether two textual addresses are the same address (IPv4-mapped forms compare equal to IPv4). */
export function sameAddress(x: string, y: string): boolean {
  const a = addressBytes(x);
  const b = addressBytes(y);
  return a !== undefined && b !== undefined && a.family === b.family && a.bytes.every((v, i) => v === b.bytes[i]);
}
