// The core module's connection limits of the main server (KeepAlive, KeepAliveTimeout, MaxKeepAliveRequests,
// Timeout, LimitRequestLine/FieldSize/Fields), read from the config model for createProxyServer.
import { serverConf, type ConfigModel } from '../config/types.js';
import { coreModule } from '../modules/core/directives.js';
import type { ServerLimits } from './limits.js';

export function limitsFromConfig(model: ConfigModel): Partial<ServerLimits> {
  const c = serverConf(model.main, coreModule);
  const out: { -readonly [K in keyof ServerLimits]?: ServerLimits[K] } = {};
  if (c.keepAlive !== undefined) out.keepAlive = c.keepAlive;
  if (c.keepAliveTimeoutMs !== undefined) out.keepAliveTimeoutMs = c.keepAliveTimeoutMs;
  if (c.maxKeepAliveRequests !== undefined) out.maxKeepAliveRequests = c.maxKeepAliveRequests;
  if (c.timeoutMs !== undefined) out.timeoutMs = c.timeoutMs;
  if (c.limitRequestLine !== undefined) out.limitRequestLine = c.limitRequestLine;
  if (c.limitRequestFieldSize !== undefined) out.limitRequestFieldSize = c.limitRequestFieldSize;
  if (c.limitRequestFields !== undefined) out.limitRequestFields = c.limitRequestFields;
  return out;
}
