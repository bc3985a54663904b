// Equivalent reverse-proxy configurations for every target of `npm run bench:http`, written into a temp dir.
//
// What "equivalent" means here: one listener on 127.0.0.1, every path forwarded to the same backend over HTTP/1.1
// with a keep-alive pool to it, client keep-alive on with no cap on requests per connection, no access log,
// request bodies streamed (not spooled to disk), each server's stock process model otherwise:
//   tsproxyd     the same httpd.conf body as apache2 (proxy-common.conf), a worker process per core (WorkerProcesses default)
//   apache2      + Debian's stock mpm_event settings (2 processes x 25 threads to start), mod_proxy_http's default
//                connection reuse (a pool per child process)
//   nginx        worker_processes auto (one per core, Debian's default), upstream keepalive 64 with
//                proxy_http_version 1.1 and an empty Connection header, proxy_request_buffering off,
//                proxy_max_temp_file_size 0 (responses buffered in memory only, never in temp files)
//   haproxy      mode http, http-keep-alive and http-reuse safe (its defaults), nbthread = cores (its default)
//   node-http-proxy  bench/http/node-http-proxy.ts (a keep-alive Agent)
// The backend gets keep-alive with no cap and a 10-minute idle timeout, so no pool is closed under a proxy.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Ports {
  readonly backend: number;
  readonly tsproxyd: number;
  readonly nodeHttpProxy: number;
  readonly apache2: number;
  readonly nginx: number;
  readonly haproxy: number;
}

export interface ConfigFiles {
  readonly dir: string;
  /** The httpd.conf body both tsproxyd and apache2 read. */
  readonly common: string;
  readonly tsproxyd: string;
  readonly apache2: string;
  readonly nginx: string;
  /** The error log nginx opens before it reads its configuration (nginx -e). */
  readonly nginxErrorLog: string;
  readonly haproxy: string;
}

const APACHE_MODULE_DIRS = ['/usr/lib/apache2/modules', '/usr/lib64/httpd/modules', '/usr/lib/httpd/modules', '/usr/local/apache2/modules'];

export function apacheModuleDir(): string | undefined {
  return APACHE_MODULE_DIRS.find((d) => existsSync(join(d, 'mod_proxy_http.so')));
}

/** A user for apache2's children when the bench runs as root (httpd refuses to serve as root). */
export function apacheUser(): { user: string; group: string } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const name of ['www-data', 'apache', 'daemon', 'nobody']) {
    if (new RegExp(`^${name}:`, 'm').test(passwd)) return { user: name, group: name === 'nobody' ? 'nogroup' : name };
  }
  return undefined;
}

/** Debian's stock mods-available/mpm_event.conf. */
export const DEBIAN_MPM_EVENT: readonly string[] = [
  '# Debian stock mods-available/mpm_event.conf',
  'StartServers 2',
  'MinSpareThreads 25',
  'MaxSpareThreads 75',
  'ThreadLimit 64',
  'ThreadsPerChild 25',
  'MaxRequestWorkers 150',
  'MaxConnectionsPerChild 0',
];

/**
 * An apache2.conf that runs from dir (pid, logs, runtime files there) with mpm_event, mod_proxy and the given
 * proxy submodules (e.g. 'proxy_http'), the given MPM settings, one Listen, and the shared httpd.conf body.
 */
export function apacheConf(dir: string, port: number, common: string, proxyModules: readonly string[], mpm: readonly string[]): string {
  const mods = apacheModuleDir() ?? '/usr/lib/apache2/modules';
  const who = apacheUser();
  return [
    `ServerRoot ${dir}`,
    `DefaultRuntimeDir ${dir}`,
    `PidFile ${join(dir, 'apache2.pid')}`,
    `ErrorLog ${join(dir, 'apache2-error.log')}`,
    'LogLevel warn',
    `LoadModule mpm_event_module ${mods}/mod_mpm_event.so`,
    `LoadModule authn_core_module ${mods}/mod_authn_core.so`,
    `LoadModule authz_core_module ${mods}/mod_authz_core.so`,
    `LoadModule proxy_module ${mods}/mod_proxy.so`,
    ...proxyModules.map((m) => `LoadModule ${m}_module ${mods}/mod_${m}.so`),
    ...(who ? [`User ${who.user}`, `Group ${who.group}`] : []),
    ...mpm,
    `Listen 127.0.0.1:${port}`,
    `Include ${common}`,
    '',
  ].join('\n');
}

/**
 * An nginx.conf for `nginx -p dir -e errorLog -c FILE`: in the foreground, workers one per core (Debian's default),
 * temp files under dir, no access log; `events` and the rest of the http block as given (httpBody ends with its
 * server blocks, the closing brace of http is added).
 */
export function nginxConf(dir: string, errorLog: string, events: string, httpBody: string, main = ''): string {
  const ngx = join(dir, 'nginx');
  mkdirSync(ngx, { recursive: true });
  chmodSync(ngx, 0o777);
  return `worker_processes auto;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
${main}events { ${events} }
http {
  access_log off;
  client_body_temp_path ${ngx}/body;
  proxy_temp_path ${ngx}/proxy;
  fastcgi_temp_path ${ngx}/fastcgi;
  uwsgi_temp_path ${ngx}/uwsgi;
  scgi_temp_path ${ngx}/scgi;
${httpBody}}
`;
}

/**
 * Makes dir (readable by apache2's and nginx's workers, which run as another user), writes there the httpd.conf body
 * both tsproxyd and apache2 include (name), and tsproxyd's own file: a Listen and that Include.
 */
export function writeHttpdConfs(dir: string, name: string, body: readonly string[], tsproxydPort: number): { common: string; tsproxyd: string } {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const common = join(dir, name);
  writeFileSync(common, [...body, ''].join('\n'));
  const tsproxyd = join(dir, 'tsproxyd.conf');
  writeFileSync(tsproxyd, `Listen 127.0.0.1:${tsproxydPort}\nInclude ${common}\n`);
  return { common, tsproxyd };
}

/** The server settings of every generated httpd.conf body. */
const SERVER_SETTINGS: readonly string[] = ['ServerName bench.local', 'Timeout 60', 'KeepAlive On', 'MaxKeepAliveRequests 0', 'KeepAliveTimeout 5'];

/**
 * tsproxyd's file for the balancer target (issue #6: a 4-member balancer against a single ProxyPass, same run): the
 * same settings, every path through `balancer://bench` (byrequests) whose members all name the same backend, so
 * that they share the single ProxyPass' connection pool and the difference is the balancer's own work (the pick,
 * its lease, the BALANCER_* environment). Written into `dir` (made by writeConfigs); returns its path.
 */
export function writeBalancerConf(dir: string, port: number, backendPort: number, members = 4): string {
  const backend = `127.0.0.1:${backendPort}`;
  const file = join(dir, 'tsproxyd-balancer.conf');
  const lines = [
    `Listen 127.0.0.1:${port}`,
    ...SERVER_SETTINGS,
    '<Proxy "balancer://bench">',
    ...Array.from({ length: members }, (_, i) => `    BalancerMember "http://${backend}" route=m${i + 1}`),
    '</Proxy>',
    'ProxyPass        / balancer://bench/',
    'ProxyPassReverse / balancer://bench/',
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
}

export function writeConfigs(dir: string, ports: Ports): ConfigFiles {
  const backend = `127.0.0.1:${ports.backend}`;
  const { common, tsproxyd } = writeHttpdConfs(
    dir,
    'proxy-common.conf',
    [
      '# The reverse proxy both tsproxyd and apache2 run (each file that includes it adds its own Listen).',
      ...SERVER_SETTINGS,
      `ProxyPass        / http://${backend}/`,
      `ProxyPassReverse / http://${backend}/`,
    ],
    ports.tsproxyd,
  );

  const apache2 = join(dir, 'apache2.conf');
  writeFileSync(apache2, apacheConf(dir, ports.apache2, common, ['proxy_http'], DEBIAN_MPM_EVENT));

  const nginx = join(dir, 'nginx.conf');
  const nginxErrorLog = join(dir, 'nginx-error.log');
  writeFileSync(
    nginx,
    nginxConf(dir, nginxErrorLog, 'worker_connections 4096;', `  keepalive_timeout 5s;
  keepalive_requests 1000000000;
  client_max_body_size 0;
  upstream backend {
    server ${backend};
    keepalive 64;
    keepalive_requests 1000000000;
    keepalive_timeout 600s;
  }
  server {
    listen 127.0.0.1:${ports.nginx};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_max_temp_file_size 0;
    }
  }
`),
  );

  const haproxy = join(dir, 'haproxy.cfg');
  writeFileSync(
    haproxy,
    `global
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 5s
frontend fe
  bind 127.0.0.1:${ports.haproxy}
  default_backend be
backend be
  http-reuse safe
  server s1 ${backend}
`,
  );

  return { dir, common, tsproxyd, apache2, nginx, nginxErrorLog, haproxy };
}
