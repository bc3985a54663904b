// mod_status's configuration. httpd 2.4 declares ExtendedStatus and SeeRequestTail in core (server/core.c; both
// global-only, "cannot occur within <VirtualHost> section"); they live here because only the status page uses them.
// `SetHandler server-status` is core's SetHandler, not this module's.
import { flagRow, S } from '../../config/rows.js';
import type { ModuleDef } from '../../config/types.js';

export interface StatusConf {
  /** Track per-request details for the status page (httpd: Off, but On by default once mod_status is loaded). */
  extendedStatus?: boolean;
  /** Show the last 63 characters of the request line instead of the first 63. */
  seeRequestTail?: boolean;
}

export const statusModule: ModuleDef<StatusConf, undefined> = {
  name: 'status',
  id: 'status_module',
  source: 'mod_status.c',
  createServer: () => ({}),
  createDir: () => undefined,
  directives: [
    flagRow<StatusConf>('ExtendedStatus', S, '"On" to track extended status information, "Off" to disable', (c, on) => {
      c.extendedStatus = on;
    }),
    flagRow<StatusConf>(
      'SeeRequestTail',
      S,
      'For extended status, "On" to see the last 63 chars of the request line, "Off" (default) to see the first 63',
      (c, on) => {
        c.seeRequestTail = on;
      },
    ),
  ],
};
