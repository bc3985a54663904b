// `npm run docs:migration`: writes docs/migration.md from the directive tables (src/docs/migration-table.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registry } from '../config/load.js';
import { migrationTable } from './migration-table.js';

/** docs/migration.md in the source tree (this file runs from dist/src/docs/). */
const MIGRATION_DOC = fileURLToPath(new URL('../../../docs/migration.md', import.meta.url));

writeFileSync(MIGRATION_DOC, migrationTable(registry()));
process.stdout.write(`wrote ${MIGRATION_DOC}\n`);
