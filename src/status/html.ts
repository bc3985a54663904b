// The HTML pages: mod_status's server-status (its header block and wording, then tsproxyd's connections, tunnels
// per route, backends and mod_proxy's balancer tables) and a read-only balancer-manager. Every number that moves
// is in an element the live view (live.ts) updates from the same functions, so the page and its updates agree.
// The page works without JavaScript (`?refresh=N` reloads it); with it, a WebSocket to <path>/ws pushes updates.
import { BUILT, rates } from './auto.js';
import { byteText, escapeHtml as h, fmtG, httpdTime, kbyteText, showTime } from './format.js';
import type { BalancerSnapshot, Snapshot } from './snapshot.js';
import type { LocalHandler } from './types.js';

/** The moving numbers, by key: the page's `data-v` elements and the live messages. */
export function liveValues(s: Snapshot): Record<string, string> {
  const r = rates(s);
  return {
    currentTime: httpdTime(s.now),
    restartTime: httpdTime(s.startedAt),
    generation: String(s.generation),
    uptime: showTime(s.uptimeSec).trim() || '0 seconds',
    load: s.load.map((x) => x.toFixed(2)).join(' '),
    requests: String(s.requests),
    traffic: kbyteText(s.bytesOut),
    duration: String(s.durationMs),
    cpu: `u${fmtG(s.cpuUserSec)} s${fmtG(s.cpuSystemSec)} cu0 cs0`,
    reqPerSec: fmtG(r.reqPerSec ?? 0),
    bytesPerSec: fmtG(r.bytesPerSec ?? 0),
    bytesPerReq: fmtG(r.bytesPerReq ?? 0),
    durationPerReq: fmtG(r.durationPerReq ?? 0),
    busy: String(s.busy),
    connections: String(s.connections),
    idle: String(s.idleConnections),
    connectionsTotal: String(s.connectionsTotal),
    tunnelsOpen: String(s.tunnelsOpen),
    tunnelsTotal: String(s.tunnelsTotal),
    bytesIn: kbyteText(s.bytesIn),
  };
}

const v = (vals: Record<string, string>, key: string) => `<span data-v="${key}">${h(vals[key] ?? '')}</span>`;

function tunnelRows(s: Snapshot): string {
  if (s.tunnels.length === 0) return '<tr><td colspan="3"><i>no tunnel open</i></td></tr>';
  return s.tunnels.map((t) => `<tr><td>${h(t.backend)}</td><td>${h(t.path)}</td><td>${t.open}</td></tr>`).join('\n');
}

function backendRows(s: Snapshot): string {
  if (s.backends.length === 0) return '<tr><td colspan="3"><i>no ProxyPass names a fixed backend</i></td></tr>';
  return s.backends
    .map((b) => `<tr><td>${h(b.key)}</td><td class="${b.error === undefined ? 'ok' : 'err'}">${b.error === undefined ? 'Ok' : `Err: ${h(b.error)}`}</td><td>${b.sockets}</td></tr>`)
    .join('\n');
}

/** mod_proxy's status tables (ProxyStatus): one per balancer. */
function proxyStatusTables(balancers: readonly BalancerSnapshot[]): string {
  if (balancers.length === 0) return '<p><i>no balancer</i></p>';
  return balancers
    .map((b) => {
      const rows = b.members
        .map(
          (m) =>
            `<tr><td>${h(m.scheme)}</td><td>${h(m.host)}</td><td class="${m.usable ? 'ok' : 'err'}">${h(m.status)}${m.errorFor > 0 ? ` (${m.errorFor}s)` : ''}</td><td>${h(m.route)}</td><td>${h(m.redirect)}</td><td>${m.factor.toFixed(2)}</td><td>${m.lbset}</td><td>${m.elected}</td><td>${m.busy}</td><td>${h(byteText(m.sent))}</td><td>${h(byteText(m.read))}</td></tr>`,
        )
        .join('\n');
      return `<h2>Proxy LoadBalancer Status for ${h(b.name)}</h2>
<table><tr><th>SSes</th><th>Timeout</th><th>Method</th></tr>
<tr><td>${h(b.sticky || ' - ')}</td><td>${b.timeoutSec}</td><td>${h(b.method)}</td></tr></table>
<table><tr><th>Sch</th><th>Host</th><th>Stat</th><th>Route</th><th>Redir</th><th>F</th><th>Set</th><th>Acc</th><th>Busy</th><th>Wr</th><th>Rd</th></tr>
${rows}
</table>`;
    })
    .join('\n');
}

/** balancer-manager's tables, read-only. */
function managerTables(balancers: readonly BalancerSnapshot[]): string {
  if (balancers.length === 0) return '<p><i>no balancer</i></p>';
  return balancers
    .map((b) => {
      const used = b.members.length;
      const rows = b.members
        .map(
          (m) =>
            `<tr><td>${h(m.name)}</td><td>${h(m.route)}</td><td>${h(m.redirect)}</td><td>${m.factor.toFixed(2)}</td><td>${m.lbset}</td><td class="${m.usable ? 'ok' : 'err'}">${h(m.status)}${m.errorFor > 0 ? ` (retry in ${m.errorFor}s)` : ''}</td><td>${m.elected}</td><td>${m.busy}</td><td>${m.load}</td><td>${h(byteText(m.sent))}</td><td>${h(byteText(m.read))}</td></tr>`,
        )
        .join('\n');
      return `<h3>LoadBalancer Status for ${h(b.name)}</h3>
<table><tr><th>MaxMembers</th><th>StickySession</th><th>DisableFailover</th><th>Timeout</th><th>FailoverAttempts</th><th>Method</th></tr>
<tr><td>${used} [${used} Used]</td><td>${h(b.sticky || '(None)')}</td><td>${b.nofailover ? 'On' : 'Off'}</td><td>${b.timeoutSec}</td><td>${b.maxAttempts}</td><td>${h(b.method)}</td></tr></table>
<table><tr><th>Worker URL</th><th>Route</th><th>RouteRedir</th><th>Factor</th><th>Set</th><th>Status</th><th>Elected</th><th>Busy</th><th>Load</th><th>To</th><th>From</th></tr>
${rows}
</table>`;
    })
    .join('\n');
}

/** The parts of a page the live view replaces whole (their HTML is escaped here). */
function processRows(s: Snapshot): string {
  return s.processes
    .map((p) => `<tr><td>${p.pid}${p.self ? ' (this page)' : ''}</td><td>${p.requests}</td><td>${p.busy}</td><td>${p.connections}</td><td>${p.tunnelsOpen}</td><td>${p.self ? 'now' : `${p.ageSec}s ago`}</td></tr>`)
    .join('\n');
}

export function liveParts(s: Snapshot, handler: LocalHandler['name']): Record<string, string> {
  return handler === 'server-status'
    ? { 'tsp-processes': processRows(s), 'tsp-tunnels': tunnelRows(s), 'tsp-backends': backendRows(s), 'tsp-balancers': proxyStatusTables(s.balancers) }
    : { 'tsp-balancers': managerTables(s.balancers) };
}

const STYLE = `body{font-family:sans-serif;margin:1em 2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #999;padding:2px 8px;text-align:left}
th{background:#eee}.ok{color:#060}.err{color:#b00;font-weight:bold}#tsp-live{color:#555;font-size:90%}
span[data-v]{font-variant-numeric:tabular-nums}`;

/** The live view: connects to <this path>/ws (same origin) and applies each message; reconnects after a drop. */
const SCRIPT = `(function(){
var path=location.pathname.replace(/\\/+$/,'')+'/ws';
var url=(location.protocol==='https:'?'wss://':'ws://')+location.host+path;
var live=document.getElementById('tsp-live');var n=0;
function apply(m){var k,i,els,el;
for(k in m.values){els=document.querySelectorAll('[data-v="'+k+'"]');for(i=0;i<els.length;i++)els[i].textContent=m.values[k];}
for(k in m.parts){el=document.getElementById(k);if(el)el.innerHTML=m.parts[k];}
document.body.setAttribute('data-updates',String(++n));}
function connect(){var ws=new WebSocket(url);
ws.onopen=function(){live.textContent='Live: updated every second over a WebSocket';};
ws.onmessage=function(e){apply(JSON.parse(e.data));};
ws.onclose=function(){live.textContent='Live: disconnected; retrying';setTimeout(connect,2000);};}
if(window.WebSocket)connect();})();`;

export interface PageOptions {
  /** The Host the client used (for the heading), and the address it reached. */
  readonly hostname: string;
  readonly localAddress: string;
  /** ?refresh=N: reload every N seconds (a Refresh header and a meta element). */
  readonly refresh?: number;
}

function head(title: string, o: PageOptions): string {
  const meta = o.refresh !== undefined ? `<meta http-equiv="refresh" content="${o.refresh}">\n` : '';
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8">
${meta}<title>${h(title)}</title>
<style>${STYLE}</style>
</head><body>`;
}

function versionBlock(s: Snapshot): string {
  return `<dl><dt>Server Version: ${h(s.version)} (Node.js ${h(s.node)})</dt>
<dt>Server MPM: event</dt>
<dt>Server Built: ${h(BUILT)}</dt></dl>`;
}

export function buildStatusHtml(s: Snapshot, o: PageOptions): string {
  const vals = liveValues(s);
  const parts = liveParts(s, 'server-status');
  return `${head('tsproxyd Status', o)}
<h1>tsproxyd Server Status for ${h(o.hostname)} (via ${h(o.localAddress)})</h1>
${versionBlock(s)}<hr /><dl>
<dt>Current Time: ${v(vals, 'currentTime')}</dt>
<dt>Restart Time: ${v(vals, 'restartTime')}</dt>
<dt>Parent Server Config. Generation: ${v(vals, 'generation')}</dt>
<dt>Server uptime: ${v(vals, 'uptime')}</dt>
<dt>Server load: ${v(vals, 'load')}</dt>
<dt>Total accesses: ${v(vals, 'requests')} - Total Traffic: ${v(vals, 'traffic')} - Total Duration: ${v(vals, 'duration')}</dt>
<dt>CPU Usage: ${v(vals, 'cpu')}</dt>
<dt>${v(vals, 'reqPerSec')} requests/sec - ${v(vals, 'bytesPerSec')} B/second - ${v(vals, 'bytesPerReq')} B/request - ${v(vals, 'durationPerReq')} ms/request</dt>
<dt>${v(vals, 'busy')} requests currently being processed, ${v(vals, 'connections')} connections open (${v(vals, 'idle')} idle keep-alive), ${v(vals, 'connectionsTotal')} accepted since start</dt>
<dt>${v(vals, 'tunnelsOpen')} tunnels open, ${v(vals, 'tunnelsTotal')} opened since start; ${v(vals, 'bytesIn')} received</dt>
</dl>
<p id="tsp-live">Live: not connected (the page still works without JavaScript; add ?refresh=5 to reload it)</p>
<h2>Worker processes</h2>
<table><thead><tr><th>pid</th><th>Requests</th><th>Busy</th><th>Connections</th><th>Tunnels open</th><th>Figures</th></tr></thead>
<tbody id="tsp-processes">${parts['tsp-processes']}</tbody></table>
<h2>Open tunnels by route</h2>
<table><thead><tr><th>Backend</th><th>Path</th><th>Open</th></tr></thead>
<tbody id="tsp-tunnels">${parts['tsp-tunnels']}</tbody></table>
<h2>Backends</h2>
<table><thead><tr><th>Worker</th><th>Status</th><th>Pooled connections</th></tr></thead>
<tbody id="tsp-backends">${parts['tsp-backends']}</tbody></table>
<div id="tsp-balancers">${parts['tsp-balancers']}</div>
<script>${SCRIPT}</script>
</body></html>
`;
}

export function buildManagerHtml(s: Snapshot, o: PageOptions): string {
  return `${head('Balancer Manager', o)}
<h1>Load Balancer Manager for ${h(o.hostname)}</h1>
${versionBlock(s)}
<p>This view is read-only: tsproxyd does not change balancers at run time (a reload does). Balancer changes are never persisted.</p>
<p id="tsp-live">Live: not connected</p>
<div id="tsp-balancers">${liveParts(s, 'balancer-manager')['tsp-balancers']}</div>
<script>${SCRIPT}</script>
</body></html>
`;
}
