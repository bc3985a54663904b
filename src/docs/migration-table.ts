// docs/migration.md, generated from the directive tables (src/modules/*/, through the registry): for every
// directive and section tsproxyd knows, its module, where it may stand, and whether tsproxyd acts on it, accepts
// and ignores it, or only knows it after the LoadModule httpd needs too; then the httpd modules whose directives
// `--check` reports as errors. Pure: the registry in, Markdown out.
import type { Registry } from '../config/registry.js';
import type { DirectiveDef, ModuleDef, SectionDef, Where } from '../config/types.js';

const CONTEXT: Record<Where, string> = { server: 'server config', vhost: 'virtual host', dir: 'directory' };

interface Row {
  readonly name: string;
  readonly module: string;
  readonly contexts: string;
  readonly status: string;
  readonly note: string;
}

/** One line of table text: no newlines, no column breaks, no HTML (httpd's help texts name `<Directory>` …). */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

function contexts(def: DirectiveDef | SectionDef): string {
  const where = def.where.map((w) => CONTEXT[w]).join(', ');
  return def.notIn?.length ? `${where} (not in ${def.notIn.map((c) => `\`<${c}>\``).join(', ')})` : where;
}

function statusOf(def: DirectiveDef | SectionDef, module: ModuleDef): { status: string; note: string } {
  const help = def.help === '' ? '' : `httpd: ${def.help}`;
  if (module.ignoredBecause !== undefined) return { status: 'accepted, ignored', note: `only after \`LoadModule ${module.id}\`, as in httpd; ${module.ignoredBecause}` };
  if ('effect' in def && def.effect === 'ignored') return { status: 'accepted, ignored', note: `changes nothing in tsproxyd. ${help}` };
  if ('effect' in def && def.effect === 'read-phase') return { status: 'supported', note: `run while the files are read. ${help}` };
  if (def.tsproxydOnly !== undefined) return { status: 'supported (tsproxyd only)', note: def.tsproxydOnly };
  return { status: 'supported', note: help };
}

function rowsOf(module: ModuleDef): Row[] {
  const defs: { name: string; def: DirectiveDef | SectionDef }[] = [
    ...module.directives.map((def) => ({ name: def.name, def })),
    ...(module.sections ?? []).map((def) => ({ name: `<${def.name}>`, def })),
  ];
  return defs.map(({ name, def }) => ({ name, module: module.source.replace(/\.c$/, ''), contexts: contexts(def), ...statusOf(def, module) }));
}

const sortKey = (name: string) => name.replace(/^</, '').toLowerCase();

export function migrationTable(registry: Registry): string {
  const rows = registry.modules.flatMap(rowsOf).sort((a, b) => sortKey(a.name).localeCompare(sortKey(b.name)) || a.name.localeCompare(b.name));
  const count = (status: string) => rows.filter((r) => r.status.startsWith(status)).length;
  const missing = [...registry.otherHttpdModules].map((id) => `mod_${id.replace(/_module$/, '')}`).sort();
  return [
    '# Migrating from httpd: every directive tsproxyd knows',
    '',
    '<!-- Generated from the directive tables (src/modules/*/) by `npm run docs:migration`; do not edit by hand. -->',
    '',
    `tsproxyd reads httpd's own configuration files. This table lists the ${rows.length} directives and sections it`,
    `knows: ${count('supported')} supported, ${count('accepted')} accepted and ignored. Run \`tsproxyd --check -f\``,
    'on your file to see what applies to it.',
    '',
    '- **supported**: tsproxyd acts on it as httpd does (README.md lists the deliberate differences);',
    '  **supported (tsproxyd only)**: a spelling httpd 2.4 lacks, and `--check` warns about it.',
    '- **accepted, ignored**: its arguments and context are checked as httpd checks them, then it changes nothing, so',
    '  that an existing httpd.conf loads. A whole module accepted this way (file serving, authentication …) needs its',
    '  `LoadModule` line first, as in httpd, and `--check` prints one notice naming it.',
    '- Anything else is an error in `--check` ("Invalid command"), as in httpd, with a did-you-mean suggestion.',
    '  That includes every directive of the httpd modules listed at the end, which tsproxyd does not implement',
    '  (their `LoadModule` line is accepted with a warning).',
    '',
    'Contexts are httpd\'s: *server config* (top level), *virtual host* (`<VirtualHost>`), *directory* (`<Location>`,',
    '`<Directory>`, `<Files>`, `<Proxy>`, `<If>` …). The `<If…>` conditionals read while loading (`<IfModule>`,',
    '`<IfDefine>`, `<IfVersion>` …) are all supported and not listed.',
    '',
    '| directive | module | contexts | status | note |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.name}\` | ${r.module} | ${r.contexts} | ${r.status} | ${cell(r.note)} |`),
    '',
    '## httpd modules tsproxyd does not implement',
    '',
    '`LoadModule` for one of these is accepted with a warning; each of their directives is then an error in `--check`:',
    '',
    missing.map((m) => `\`${m}\``).join(', '),
    '',
  ].join('\n');
}
