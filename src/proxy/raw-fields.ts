// Small conversions between Node's flat raw header arrays and what the forwarder writes.

/** [name, values] in first-occurrence order, names compared case-insensitively (spelling of the first kept). */
export function groupFields(raw: readonly string[]): [string, string[]][] {
  const byKey = new Map<string, [string, string[]]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const g = byKey.get(k);
    if (g) g[1].push(raw[i + 1]!);
    else byKey.set(k, [raw[i]!, [raw[i + 1]!]]);
  }
  return [...byKey.values()];
}

/** An interim (1xx) response head as relayed to the client; fields with CR/LF are dropped. */
export function interimHead(status: number, message: string, raw: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${message.replace(/[\r\n]/g, '')}\r\n`;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i]!;
    const v = raw[i + 1]!;
    if (!/[\r\n]/.test(n + v)) head += `${n}: ${v}\r\n`;
  }
  return head + '\r\n';
}
