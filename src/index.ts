// tsproxyd as a library: an httpd-configured reverse proxy to mount in your own Node http(s) server, for code that
// uses node-http-proxy today. See README.md, "Use it as a library".
export { createProxy, type ConfiguredProxy, type ProxyConfigSource } from './library/create-proxy.js';
export { ConfigError, type ConfigDiagnostic } from './library/config-error.js';
