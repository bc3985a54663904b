// mod_status's number and time formats: C's %g, httpd's DEFAULT_TIME_FORMAT and show_time, kB/MB units.

/** C's printf("%g", x): 6 significant digits, trailing zeros dropped, exponent form outside 1e-4 … 1e6. */
export function fmtG(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  const p = Number(x.toPrecision(6));
  const e = Math.floor(Math.log10(Math.abs(p)));
  if (e < -4 || e >= 6 || exp < -4 || exp >= 6) {
    const [m, ex] = p.toExponential(5).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(ex);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = p.toFixed(Math.max(0, 5 - e));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** httpd's DEFAULT_TIME_FORMAT "%A, %d-%b-%Y %H:%M:%S %Z", in UTC: "Sunday, 22-Nov-2026 04:59:31 UTC". */
export function httpdTime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

/** mod_status's show_time: " 1 day 2 hours 3 minutes 4 seconds" (each unit with a leading space; none for 0). */
export function showTime(totalSec: number): string {
  const t = Math.max(0, Math.floor(totalSec));
  const parts: [number, string][] = [
    [Math.floor(t / 86400), 'day'],
    [Math.floor((t % 86400) / 3600), 'hour'],
    [Math.floor((t % 3600) / 60), 'minute'],
    [t % 60, 'second'],
  ];
  return parts.map(([n, unit]) => (n ? ` ${n} ${unit}${n === 1 ? '' : 's'}` : '')).join('');
}

/** mod_status's format_kbyte_out for the HTML page: "31 kB", "2.3 MB", "1.1 GB". */
export function kbyteText(bytes: number): string {
  const kb = bytes / 1024;
  if (kb < 1024) return `${Math.floor(kb)} kB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)} MB`;
  return `${(kb / 1024 / 1024).toFixed(1)} GB`;
}

/** mod_proxy's status numbers (Wr, Rd): bytes, then K, M, G. */
export function byteText(bytes: number): string {
  if (bytes < 5120) return `${bytes}`;
  if (bytes < 5 * 1024 * 1024) return `${Math.floor(bytes / 1024)}K`;
  if (bytes < 5 * 1024 * 1024 * 1024) return `${Math.floor(bytes / 1024 / 1024)}M`;
  return `${Math.floor(bytes / 1024 / 1024 / 1024)}G`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}
