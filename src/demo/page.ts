// The demo app's page: plain HTML with an inline script (no build step in the browser). It shows the headers the
// app received (what tsproxyd added on the way) and a chat over a WebSocket to /ws/chat on the page's own origin,
// so that the WebSocket goes through the proxy too.
import type { IncomingHttpHeaders } from 'node:http';
import { escapeHtml } from '../status/format.js';

/** Request headers a proxy adds or sets; the page lists the ones the app received. */
export const PROXY_HEADERS = ['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-server', 'x-forwarded-proto', 'x-real-ip'] as const;

const SCRIPT = `
const log = document.getElementById('messages');
const status = document.getElementById('status');
const show = (text) => {
  const li = document.createElement('li');
  li.textContent = text;
  log.appendChild(li);
};
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/chat');
ws.onopen = () => { status.textContent = 'connected to ' + ws.url; document.body.dataset.ws = 'open'; };
ws.onclose = () => { status.textContent = 'disconnected'; document.body.dataset.ws = 'closed'; };
ws.onmessage = (e) => show(e.data);
document.getElementById('chat').onsubmit = (e) => {
  e.preventDefault();
  const input = document.getElementById('text');
  if (input.value !== '' && ws.readyState === WebSocket.OPEN) ws.send(input.value);
  input.value = '';
};
`;

export function demoPage(headers: IncomingHttpHeaders): string {
  const rows = PROXY_HEADERS.map((name) => `<tr><th>${name}</th><td>${escapeHtml(String(headers[name] ?? '(not sent)'))}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tsproxyd demo</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 0.2rem 0.8rem 0.2rem 0; }
th { font-weight: normal; color: #555; } #messages { background: #f4f4f4; min-height: 6rem; padding: 0.5rem 2rem; }
</style>
</head>
<body>
<h1>tsproxyd demo</h1>
<p>This page comes from the demo app on 127.0.0.1:3000, through tsproxyd (conf/httpd.conf). The app received:</p>
<table>
${rows}
</table>
<h2>Chat over a WebSocket</h2>
<p id="status">connecting…</p>
<form id="chat"><input id="text" autocomplete="off" placeholder="say something" autofocus> <button>Send</button></form>
<p>Every message goes to everyone connected: open this page twice.</p>
<ul id="messages"></ul>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
