// The targets of `npm run bench:ws`: how each is started, and the check that it tunnels before it is measured.
import type { ChildProcess } from 'node:child_process';
import { exited, logTail, start, stop } from '../http/procs.js';
import type { Peers } from '../http/tools.js';
import type { ConfigFiles } from '../http/configs.js';
import { probe, waitListening } from './probe.js';

export type TargetName = 'direct' | 'tcp-pipe' | 'tsproxyd' | 'tsproxyd-1proc' | 'node-http-proxy' | 'apache2' | 'nginx' | 'haproxy';

export interface TargetPorts {
  readonly backend: number;
  readonly tcpPipe: number;
  readonly tsproxyd: number;
  readonly nodeHttpProxy: number;
  readonly apache2: number;
  readonly nginx: number;
  readonly haproxy: number;
}

export interface TargetSpec {
  readonly name: TargetName;
  readonly port: number;
  /** undefined for direct: the backend, started once for the whole run */
  readonly cmd?: string;
  readonly args?: readonly string[];
  readonly describe: string;
  /** where its own error log is, besides its stdout/stderr (dir, name without .log) */
  readonly errorLog?: readonly [string, string];
}

export interface SpecInputs {
  readonly ports: TargetPorts;
  readonly conf: ConfigFiles;
  readonly peers: Peers;
  readonly versions: { apache2?: string; nginx?: string; haproxy?: string; httpProxy: string };
  /** dist/src/cli/main.js, dist/bench/ws/tcp-pipe.js, dist/bench/ws/node-http-proxy.js */
  readonly js: { readonly cli: string; readonly tcpPipe: string; readonly nodeHttpProxy: string };
  /** tsproxyd in one process (-X) on its own port and file (the same common body): what one process costs. */
  readonly oneProcess: { readonly port: number; readonly conf: string };
}

/** Every target that can run here, in report order. */
export function targetSpecs({ ports, conf, peers, versions, js, oneProcess }: SpecInputs): TargetSpec[] {
  const node = process.execPath;
  const specs: (TargetSpec | false)[] = [
    { name: 'direct', port: ports.backend, describe: 'the backend itself, no proxy' },
    { name: 'tcp-pipe', port: ports.tcpPipe, cmd: node, args: [js.tcpPipe, String(ports.tcpPipe), String(ports.backend)], describe: 'net.createServer piping each connection to the backend (bench/ws/tcp-pipe.ts)' },
    // As users run it: one worker process per core (WorkerProcesses' default), like apache2's and nginx's processes.
    { name: 'tsproxyd', port: ports.tsproxyd, cmd: node, args: [js.cli, '-f', conf.tsproxyd], describe: `node dist/src/cli/main.js -f tsproxyd.conf (ProxyPass /ws ws://…/ws; a worker process per core)` },
    { name: 'tsproxyd-1proc', port: oneProcess.port, cmd: node, args: [js.cli, '-X', '-f', oneProcess.conf], describe: 'node dist/src/cli/main.js -X -f tsproxyd-1proc.conf (the same, one process)' },
    {
      name: 'node-http-proxy',
      port: ports.nodeHttpProxy,
      cmd: node,
      args: [js.nodeHttpProxy, String(ports.nodeHttpProxy), `ws://127.0.0.1:${ports.backend}`],
      describe: `http-proxy ${versions.httpProxy}, ws: true, proxy.ws() on 'upgrade' (bench/ws/node-http-proxy.ts)`,
    },
    !!peers.apache2 && {
      name: 'apache2',
      port: ports.apache2,
      cmd: peers.apache2,
      args: ['-f', conf.apache2, '-DFOREGROUND'],
      describe: `${versions.apache2 ?? 'apache2'} mpm_event + mod_proxy_http/mod_proxy_wstunnel, the same httpd.conf as tsproxyd; ServerLimit/MaxRequestWorkers raised so that every idle tunnel gets its worker thread`,
      errorLog: [conf.dir, 'apache2-error'],
    },
    !!peers.nginx && {
      name: 'nginx',
      port: ports.nginx,
      cmd: peers.nginx,
      args: ['-p', conf.dir, '-e', conf.nginxErrorLog, '-c', conf.nginx],
      describe: `${versions.nginx ?? 'nginx'} proxy_pass, HTTP/1.1 with Upgrade and Connection: upgrade, proxy_read/send_timeout 1 h, worker_connections for the idle tunnels`,
      errorLog: [conf.dir, 'nginx-error'],
    },
    !!peers.haproxy && { name: 'haproxy', port: ports.haproxy, cmd: peers.haproxy, args: ['-db', '-f', conf.haproxy], describe: `${versions.haproxy ?? 'haproxy'} mode http, timeout tunnel 1 h, maxconn for the idle tunnels` },
  ];
  return specs.filter((s): s is TargetSpec => !!s);
}

export interface Started {
  readonly spec: TargetSpec;
  readonly child?: ChildProcess;
  /** why it cannot be measured: did not start, or does not tunnel (what it did instead) */
  readonly error?: string;
}

function logs(spec: TargetSpec, scratch: string): string {
  const own = spec.errorLog ? logTail(spec.errorLog[0], spec.errorLog[1], 2) : '';
  return [logTail(scratch, spec.name, 2), own].filter(Boolean).join(' | ');
}

/** Starts a target (its output appended to scratch/NAME.log) and checks that it tunnels (bench/ws/probe.ts). */
export async function startTarget(spec: TargetSpec, scratch: string): Promise<Started> {
  if (!spec.cmd) {
    const bad = await probe(spec.port);
    return bad ? { spec, error: `tunnel probe: ${bad}` } : { spec };
  }
  const child = start(spec.name, spec.cmd, [...(spec.args ?? [])], scratch);
  const listening = await waitListening(spec.port, 15_000, () => !exited(child));
  const bad = listening ? await probe(spec.port) : exited(child) ? `exited ${child.exitCode ?? child.signalCode} at start` : 'not listening after 15 s';
  if (!bad) return { spec, child };
  await stop(child);
  const log = logs(spec, scratch);
  return { spec, error: `${listening ? 'tunnel probe: ' : ''}${bad}${log ? ` (log: ${log})` : ''}` };
}
