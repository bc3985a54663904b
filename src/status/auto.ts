// `?auto`: mod_status's machine-readable text, key for key in httpd 2.4's order (checked against apache2 2.4.71,
// test/conformance/status-auto.test.ts), then tsproxyd's own keys (OpenTunnels …) and, with ProxyStatus On,
// mod_proxy's ProxyBalancer[i]… lines. Values are tsproxyd's: there are no worker slots, so BusyWorkers is the
// requests being answered and the Scoreboard one W per such request and one K per idle kept-alive connection.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmtG, httpdTime, showTime } from './format.js';
import type { Snapshot } from './snapshot.js';

/** When this build was made ("Server Built"), from the compiled file's time. */
export const BUILT: string = (() => {
  try {
    return new Date(statSync(fileURLToPath(import.meta.url)).mtimeMs).toISOString().slice(0, 19);
  } catch {
    return 'unknown';
  }
})();

/** The per-second and per-request figures, when httpd prints them (uptime > 0; requests > 0). */
export function rates(s: Snapshot): { reqPerSec?: number; bytesPerSec?: number; bytesPerReq?: number; durationPerReq?: number } {
  const up = s.uptimeSec;
  return {
    ...(up > 0 ? { reqPerSec: s.requests / up, bytesPerSec: s.bytesOut / up } : {}),
    ...(s.requests > 0 ? { bytesPerReq: s.bytesOut / s.requests, durationPerReq: s.durationMs / s.requests } : {}),
  };
}

export function buildAuto(s: Snapshot, hostname: string): string {
  const r = rates(s);
  const cpu = s.cpuUserSec + s.cpuSystemSec;
  const lines: string[] = [
    hostname,
    `ServerVersion: ${s.version}`,
    'ServerMPM: event',
    `Server Built: ${BUILT}`,
    `CurrentTime: ${httpdTime(s.now)}`,
    `RestartTime: ${httpdTime(s.startedAt)}`,
    `ParentServerConfigGeneration: ${s.generation}`,
    'ParentServerMPMGeneration: 0',
    `ServerUptimeSeconds: ${s.uptimeSec}`,
    `ServerUptime:${showTime(s.uptimeSec)}`,
    `Load1: ${s.load[0].toFixed(2)}`,
    `Load5: ${s.load[1].toFixed(2)}`,
    `Load15: ${s.load[2].toFixed(2)}`,
    `Total Accesses: ${s.requests}`,
    `Total kBytes: ${Math.floor(s.bytesOut / 1024)}`,
    `Total Duration: ${s.durationMs}`,
    `CPUUser: ${fmtG(s.cpuUserSec)}`,
    `CPUSystem: ${fmtG(s.cpuSystemSec)}`,
    'CPUChildrenUser: 0',
    'CPUChildrenSystem: 0',
  ];
  if (cpu > 0 && s.uptimeSec > 0) lines.push(`CPULoad: ${fmtG((cpu / s.uptimeSec) * 100)}`);
  lines.push(`Uptime: ${s.uptimeSec}`);
  if (r.reqPerSec !== undefined) lines.push(`ReqPerSec: ${fmtG(r.reqPerSec)}`);
  if (r.bytesPerSec !== undefined) lines.push(`BytesPerSec: ${fmtG(r.bytesPerSec)}`);
  if (r.bytesPerReq !== undefined) lines.push(`BytesPerReq: ${fmtG(r.bytesPerReq)}`);
  if (r.durationPerReq !== undefined) lines.push(`DurationPerReq: ${fmtG(r.durationPerReq)}`);
  lines.push(
    `BusyWorkers: ${s.busy}`,
    'GracefulWorkers: 0',
    'IdleWorkers: 0',
    `Processes: ${s.processes.length}`,
    `Stopping: ${s.stopping ? 1 : 0}`,
    `ConnsTotal: ${s.connections}`,
    'ConnsAsyncWaitIO: 0',
    'ConnsAsyncWriting: 0',
    `ConnsAsyncKeepAlive: ${s.idleConnections}`,
    'ConnsAsyncClosing: 0',
    `Scoreboard: ${'W'.repeat(Math.min(s.busy, 4096))}${'K'.repeat(Math.min(s.idleConnections, 4096))}`,
    // tsproxyd's own
    `OpenTunnels: ${s.tunnelsOpen}`,
    `TotalTunnels: ${s.tunnelsTotal}`,
    `TotalConnections: ${s.connectionsTotal}`,
    `Total kBytesIn: ${Math.floor(s.bytesIn / 1024)}`,
  );
  s.tunnels.forEach((t, i) => lines.push(`Tunnel[${i}]Backend: ${t.backend}`, `Tunnel[${i}]Path: ${t.path}`, `Tunnel[${i}]Open: ${t.open}`));
  s.backends.forEach((b, i) => lines.push(`Backend[${i}]Name: ${b.key}`, `Backend[${i}]Status: ${b.error === undefined ? 'Ok' : 'Err'}`, `Backend[${i}]PoolConnections: ${b.sockets}`));
  if (s.proxyStatus !== 'Off') {
    s.balancers.forEach((b, i) => {
      lines.push(`ProxyBalancer[${i}]Name: ${b.name}`);
      b.members.forEach((m, j) => {
        const p = `ProxyBalancer[${i}]Worker[${j}]`;
        lines.push(`${p}Name: ${m.name}`, `${p}Status: ${m.status}`, `${p}Elected: ${m.elected}`, `${p}Busy: ${m.busy}`, `${p}Sent: ${Math.floor(m.sent / 1024)}K`, `${p}Rcvd: ${Math.floor(m.read / 1024)}K`);
      });
    });
  }
  return lines.join('\n') + '\n';
}
