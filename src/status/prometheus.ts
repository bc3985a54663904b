// `?format=prometheus`: the status page's numbers in Prometheus' text exposition format (version 0.0.4), for a
// scrape config such as `metrics_path: /server-status` with `params: {format: [prometheus]}`.
import type { Snapshot } from './snapshot.js';

/** A label value: backslash, double quote and newline escaped, as the format requires. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

type Sample = readonly [labels: Readonly<Record<string, string>> | undefined, value: number];

function metric(out: string[], name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  for (const [labels, value] of samples) {
    const l = labels === undefined ? '' : `{${Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(',')}}`;
    out.push(`${name}${l} ${Number.isFinite(value) ? value : 0}`);
  }
}

export function buildPrometheus(s: Snapshot): string {
  const out: string[] = [];
  const one = (v: number): Sample[] => [[undefined, v]];
  metric(out, 'tsproxyd_info', 'gauge', 'Version of the server answering.', [[{ version: s.version, node: s.node, server: s.serverName }, 1]]);
  metric(out, 'tsproxyd_start_time_seconds', 'gauge', 'When the server started (a reload keeps it).', one(Math.floor(s.startedAt / 1000)));
  metric(out, 'tsproxyd_config_generation', 'gauge', 'Configuration generation: 1, plus one per reload.', one(s.generation));
  metric(out, 'tsproxyd_processes', 'gauge', 'Worker processes serving (WorkerProcesses); the totals are their sum.', one(s.processes.length));
  metric(out, 'tsproxyd_requests_total', 'counter', "Requests received (httpd's Total Accesses).", one(s.requests));
  metric(out, 'tsproxyd_request_duration_seconds_total', 'counter', "Time spent answering requests (httpd's Total Duration).", one(s.durationMs / 1000));
  metric(out, 'tsproxyd_sent_bytes_total', 'counter', 'Bytes written to clients.', one(s.bytesOut));
  metric(out, 'tsproxyd_received_bytes_total', 'counter', 'Bytes read from clients.', one(s.bytesIn));
  metric(out, 'tsproxyd_busy_requests', 'gauge', "Requests being answered (httpd's BusyWorkers).", one(s.busy));
  metric(out, 'tsproxyd_connections', 'gauge', 'Client connections open now.', [[{ state: 'all' }, s.connections], [{ state: 'idle' }, s.idleConnections]]);
  metric(out, 'tsproxyd_connections_total', 'counter', 'Client connections accepted.', one(s.connectionsTotal));
  metric(out, 'tsproxyd_tunnels_open', 'gauge', 'WebSocket and other upgrade tunnels open now.', one(s.tunnelsOpen));
  metric(out, 'tsproxyd_tunnels_total', 'counter', 'Tunnels opened.', one(s.tunnelsTotal));
  metric(out, 'tsproxyd_route_tunnels_open', 'gauge', 'Tunnels open now, by backend and path.', s.tunnels.map((t) => [{ backend: t.backend, path: t.path }, t.open]));
  metric(out, 'tsproxyd_cpu_seconds_total', 'counter', 'CPU time of the process.', [[{ mode: 'user' }, s.cpuUserSec], [{ mode: 'system' }, s.cpuSystemSec]]);
  metric(out, 'tsproxyd_backend_up', 'gauge', 'Whether a backend may be used (0: in error state).', s.backends.map((b) => [{ backend: b.key }, b.error === undefined ? 1 : 0]));
  metric(out, 'tsproxyd_backend_pool_connections', 'gauge', 'Pooled connections to a backend.', s.backends.map((b) => [{ backend: b.key }, b.sockets]));
  const members = s.balancers.flatMap((b) => b.members.map((m) => ({ b, m, l: { balancer: b.name, member: m.name, route: m.route } })));
  metric(out, 'tsproxyd_balancer_member_up', 'gauge', 'Whether a balancer member is usable (none of the D S E C flags).', members.map(({ m, l }) => [l, m.usable ? 1 : 0]));
  metric(out, 'tsproxyd_balancer_member_elected_total', 'counter', 'Times a member was chosen.', members.map(({ m, l }) => [l, m.elected]));
  metric(out, 'tsproxyd_balancer_member_busy', 'gauge', 'Requests in flight on a member.', members.map(({ m, l }) => [l, m.busy]));
  metric(out, 'tsproxyd_balancer_member_sent_bytes_total', 'counter', 'Bytes sent through a member.', members.map(({ m, l }) => [l, m.sent]));
  metric(out, 'tsproxyd_balancer_member_received_bytes_total', 'counter', 'Bytes read through a member.', members.map(({ m, l }) => [l, m.read]));
  return out.join('\n') + '\n';
}
