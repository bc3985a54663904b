// The Date field value (RFC 9110 IMF-fixdate), formatted once per second as Node's own http server does
// (new Date().toUTCString() costs ~0.5 µs, a large part of building a small response's head).
let cachedSecond = -1;
let cached = '';

export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cached = new Date(second * 1000).toUTCString();
  }
  return cached;
}
