// Time in access and error logs: %t's "[22/Nov/2026:04:30:00 +0000]", %{format}t (a strftime subset, and httpd's
// sec/msec/usec/msec_frac/usec_frac), and the error log's "Sun Nov 22 04:30:00.123456 2026". Local time, as httpd.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAYS_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);

/** "+0100", "-0530": the local offset at that moment. */
export function tzOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/** CLF time, as %t writes it (without the brackets). */
export function clfTime(d: Date): string {
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]!}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${tzOffset(d)}`;
}

/** The error log's time stamp: "Sun Nov 22 04:30:00.123456 2026". */
export function errorLogTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const frac = pad(Math.floor(us % 1_000_000), 6);
  return `${DAYS[d.getDay()]!} ${MONTHS[d.getMonth()]!} ${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac} ${d.getFullYear()}`;
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86_400_000) + 1;
}

/** One conversion of the strftime subset; undefined for a letter it does not know (kept as written). */
function conversion(c: string, d: Date): string | undefined {
  const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  switch (c) {
    case 'a': return DAYS[d.getDay()];
    case 'A': return DAYS_LONG[d.getDay()];
    case 'b': case 'h': return MONTHS[d.getMonth()];
    case 'B': return MONTHS_LONG[d.getMonth()];
    case 'c': return `${DAYS[d.getDay()]!} ${MONTHS[d.getMonth()]!} ${pad(d.getDate(), 2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getFullYear()}`;
    case 'C': return pad(Math.floor(d.getFullYear() / 100));
    case 'd': return pad(d.getDate());
    case 'D': return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
    case 'e': return pad(d.getDate(), 2, ' ');
    case 'F': return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    case 'H': return pad(d.getHours());
    case 'I': return pad(h12);
    case 'j': return pad(dayOfYear(d), 3);
    case 'k': return pad(d.getHours(), 2, ' ');
    case 'l': return pad(h12, 2, ' ');
    case 'm': return pad(d.getMonth() + 1);
    case 'M': return pad(d.getMinutes());
    case 'n': return '\n';
    case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
    case 'r': return `${pad(h12)}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
    case 'R': return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    case 's': return String(Math.floor(d.getTime() / 1000));
    case 'S': return pad(d.getSeconds());
    case 't': return '\t';
    case 'T': return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    case 'u': return String(d.getDay() === 0 ? 7 : d.getDay());
    case 'w': return String(d.getDay());
    case 'y': return pad(d.getFullYear() % 100);
    case 'Y': return String(d.getFullYear());
    case 'z': return tzOffset(d);
    case 'Z': return new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    case '%': return '%';
    default: return undefined;
  }
}

export type TimeFormat = (us: number) => string;

/** Compiles a %{…}t argument (without begin:/end:) once. */
export function compileTimeFormat(arg: string | undefined): TimeFormat {
  switch (arg) {
    case undefined:
    case '':
      return (us) => `[${clfTime(new Date(Math.floor(us / 1000)))}]`;
    case 'sec':
      return (us) => String(Math.floor(us / 1_000_000));
    case 'msec':
      return (us) => String(Math.floor(us / 1000));
    case 'usec':
      return (us) => String(Math.floor(us));
    case 'msec_frac':
      return (us) => pad(Math.floor(us / 1000) % 1000, 3);
    case 'usec_frac':
      return (us) => pad(Math.floor(us) % 1_000_000, 6);
  }
  // strftime: split once into literal text and conversion letters.
  const parts: (string | { c: string })[] = [];
  let text = '';
  for (let i = 0; i < arg.length; i++) {
    if (arg[i] === '%' && i + 1 < arg.length) {
      if (text) parts.push(text);
      text = '';
      parts.push({ c: arg[++i]! });
    } else text += arg[i];
  }
  if (text) parts.push(text);
  return (us) => {
    const d = new Date(Math.floor(us / 1000));
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : (conversion(p.c, d) ?? `%${p.c}`);
    return out;
  };
}
