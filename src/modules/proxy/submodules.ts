// The mod_proxy family's smaller modules: their identifiers (for LoadModule and <IfModule>) and directives.
import { flagRow, SVD, valueRow } from '../../config/rows.js';
import type { ModuleDef } from '../../config/types.js';
import { parseDuration } from '../../config/values.js';
import { proxyHcheckModule } from './hcheck.js';

const none = () => ({});

function plain(name: string, extra: Partial<ModuleDef> = {}): ModuleDef {
  return { name, id: `${name}_module`, source: `mod_${name}.c`, createServer: none, createDir: none, directives: [], ...extra };
}

export interface WstunnelConf {
  fallbackToProxyHttp?: boolean;
  /** ProxyWebsocketIdleTimeout (tsproxyd only): a tunnel idle this long is closed; 0 = never. */
  idleTimeoutMs?: number;
}

export const proxyWstunnelModule: ModuleDef<WstunnelConf, WstunnelConf> = {
  ...plain('proxy_wstunnel'),
  createServer: () => ({}),
  createDir: () => ({}),
  directives: [
    // httpd's table says RSRC_CONF|ACCESS_CONF although the manual lists only server config and virtual host.
    flagRow(
      'ProxyWebsocketFallbackToProxyHttp',
      SVD,
      'whether to let mod_proxy_http handle the upgrade and tunneling',
      (c: WstunnelConf, on) => (c.fallbackToProxyHttp = on),
      'dir-or-server',
    ),
    {
      ...valueRow(
        'ProxyWebsocketIdleTimeout',
        SVD,
        'How long a tunnel may stay idle (no byte either way) before it is closed; 0 = never (tsproxyd)',
        (w) => parseDuration(w, 'ProxyWebsocketIdleTimeout'),
        (c: WstunnelConf, ms: number) => (c.idleTimeoutMs = ms),
        'dir-or-server',
      ),
      tsproxydOnly:
        "ProxyWebsocketIdleTimeout is a tsproxyd extension (httpd 2.4's tunnels idle out after max(Timeout, ProxyTimeout)); httpd 2.4 would reject it",
    },
  ],
};

export const proxySubmodules: readonly ModuleDef[] = [
  plain('proxy_http'),
  proxyWstunnelModule,
  plain('proxy_balancer'),
  plain('lbmethod_byrequests'),
  plain('lbmethod_bytraffic'),
  plain('lbmethod_bybusyness'),
  plain('lbmethod_heartbeat'),
  proxyHcheckModule,
  // Shared-memory and watchdog providers httpd's balancer and hcheck need; tsproxyd needs no equivalent.
  plain('slotmem_shm'),
  plain('slotmem_plain'),
  plain('watchdog'),
  plain('socache_shmcb'),
];
