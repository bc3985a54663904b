// Writes grammar/diagrams.html: chevrotain's syntax diagrams of the config grammar.
// Run after tsc: `node dist/grammar/diagrams.js` (npm run diagrams).

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSyntaxDiagramsCode } from './chevrotain.js';
import { confParser } from './parser.js';

const out = fileURLToPath(new URL('../../grammar/diagrams.html', import.meta.url));
writeFileSync(out, createSyntaxDiagramsCode(confParser.getSerializedGastProductions()));
console.log(`wrote ${out}`);
