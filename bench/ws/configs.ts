// The WebSocket tunnel configurations of `npm run bench:ws`, one per proxy, written into the run's temp dir. Each
// listens on 127.0.0.1 and tunnels /ws (and everything under it) to the backend, one backend connection per
// tunnel (none pools tunnels), each server's stock settings otherwise, except where 5,000 idle tunnels need room:
//   tsproxyd     the same httpd.conf body as apache2 (ws-common.conf): ProxyPass /ws ws://backend/ws
//   apache2      + mod_proxy_http and mod_proxy_wstunnel (httpd 2.4.47+: with ProxyWebsocketFallbackToProxyHttp On,
//                the default, mod_proxy_http tunnels ws:// routes); Debian's mpm_event settings but with
//                ServerLimit and MaxRequestWorkers raised to hold every idle tunnel (each tunnel holds a worker
//                thread for its lifetime; with the stock 150 workers, tunnel 151 waits in the listen queue)
//   nginx        proxy_http_version 1.1, Upgrade and Connection: upgrade passed on, proxy_read/send_timeout 1 h
//                (60 s stock would close idle tunnels), worker_connections and worker_rlimit_nofile raised for the
//                idle tunnels (2 connections each); tunnel buffers stock (proxy_buffer_size)
//   haproxy      mode http (WebSocket upgrades are native), timeout tunnel 1 h, maxconn raised for the idle tunnels
// Timeouts: httpd's tunnel idle timeout is max(Timeout, ProxyTimeout): Timeout 300 here, so that nothing closes an
// idle tunnel within a run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apacheConf, DEBIAN_MPM_EVENT, nginxConf, writeHttpdConfs, type ConfigFiles, type Ports } from '../http/configs.js';

/** The ports of the targets that read a configuration file, and the backend's. */
export type WsPorts = Omit<Ports, 'nodeHttpProxy'>;

const THREADS_PER_CHILD = 25; // Debian's stock ThreadsPerChild

/** Debian's mpm_event settings with room for `tunnels` tunnels (and some to spare) in worker threads. */
export function apacheMpmFor(tunnels: number): string[] {
  const workers = Math.max(150, Math.ceil((tunnels * 1.1 + 100) / THREADS_PER_CHILD) * THREADS_PER_CHILD);
  return [
    ...DEBIAN_MPM_EVENT.filter((l) => !l.startsWith('MaxRequestWorkers')),
    `# raised from Debian's 150 so that ${tunnels} idle tunnels (a worker thread each) fit`,
    `ServerLimit ${workers / THREADS_PER_CHILD}`,
    `MaxRequestWorkers ${workers}`,
  ];
}

/** `tunnels` is how many idle tunnels the run opens: the servers' connection limits are set to hold them. */
export function writeWsConfigs(dir: string, ports: WsPorts, tunnels: number): ConfigFiles {
  const backend = `127.0.0.1:${ports.backend}`;
  const { common, tsproxyd } = writeHttpdConfs(
    dir,
    'ws-common.conf',
    [
      '# The WebSocket tunnel both tsproxyd and apache2 run (each file that includes it adds its own Listen).',
      'ServerName bench.local',
      'Timeout 300',
      `ProxyPass /ws ws://${backend}/ws`,
    ],
    ports.tsproxyd,
  );

  const apache2 = join(dir, 'apache2.conf');
  writeFileSync(apache2, apacheConf(dir, ports.apache2, common, ['proxy_http', 'proxy_wstunnel'], apacheMpmFor(tunnels)));

  const connections = 2 * tunnels + 1024;
  const nginx = join(dir, 'nginx.conf');
  const nginxErrorLog = join(dir, 'nginx-error.log');
  writeFileSync(
    nginx,
    nginxConf(
      dir,
      nginxErrorLog,
      `worker_connections ${connections};`,
      `  server {
    listen 127.0.0.1:${ports.nginx} backlog=1024;
    location /ws {
      proxy_pass http://${backend};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }
  }
`,
      `worker_rlimit_nofile ${connections + 64};\n`,
    ),
  );

  const haproxy = join(dir, 'haproxy.cfg');
  writeFileSync(
    haproxy,
    `global
  maxconn ${tunnels + 1000}
defaults
  mode http
  maxconn ${tunnels + 1000}
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend fe
  bind 127.0.0.1:${ports.haproxy}
  default_backend be
backend be
  server s1 ${backend}
`,
  );

  return { dir, common, tsproxyd, apache2, nginx, nginxErrorLog, haproxy };
}
