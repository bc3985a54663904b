// The module list: the only registration point. Order matters only for what depends on it: `finish` checks run
// in this order, and it is the order -S lists modules in (core first, as httpd -l does).
import type { ModuleDef } from '../config/types.js';
import { authzCoreModule, authzHostModule } from './authz/directives.js';
import { COMPAT_MODULES } from './compat/modules.js';
import { coreModule } from './core/directives.js';
import { envModule, setEnvIfModule } from './env/directives.js';
import { headersModule } from './headers/directives.js';
import { logConfigModule } from './log/directives.js';
import { proxyModule } from './proxy/directives.js';
import { proxySubmodules } from './proxy/submodules.js';
import { rewriteModule } from './rewrite/directives.js';
import { sslModule } from './ssl/directives.js';
import { statusModule } from './status/directives.js';

/** Built-in modules, i.e. what tsproxyd implements (as httpd -l lists compiled-in modules). */
export const IMPLEMENTED: readonly ModuleDef[] = [
  coreModule,
  // mod_rewrite before mod_proxy: httpd runs server-context RewriteRules in translate_name before ProxyPass
  // (mod_proxy registers its hook after mod_rewrite's), so -S lists them in that order.
  rewriteModule,
  proxyModule,
  ...proxySubmodules,
  headersModule,
  logConfigModule,
  sslModule,
  statusModule,
  authzCoreModule,
  authzHostModule,
  envModule,
  setEnvIfModule,
];

export const MODULES: readonly ModuleDef[] = [...IMPLEMENTED, ...COMPAT_MODULES];
