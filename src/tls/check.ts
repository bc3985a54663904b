// `--check` for TLS listeners, beyond `httpd -t` (which only checks that the files exist and lets the server fail
// at start, AH02572/AH02565): every server with SSLEngine on must have a certificate and a key that can be read,
// parsed, belong together and are not passphrase-protected, with ciphers that match something.
import type { Diagnostic } from '../../grammar/ast.js';
import type { ConfigModel, ServerScope } from '../config/types.js';
import { secureContextFor } from './context.js';
import { tlsSiteOf } from './site.js';

function label(s: ServerScope): string {
  return s.isVirtual ? `<VirtualHost ${s.addrs.join(' ')}>` : 'the main server';
}

export function checkTlsSites(model: ConfigModel, report: (d: Diagnostic) => void): void {
  for (const s of [model.main, ...model.vhosts]) {
    const site = tlsSiteOf(s, model.main);
    if (!site.engine) continue;
    const r = secureContextFor(site, label(s));
    if (!r.ok) report({ code: 'TSP_TLS_SITE', severity: 'error', loc: s.loc, message: `${label(s)}: ${r.error}` });
  }
}
