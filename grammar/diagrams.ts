// Writes grammar/diagrams.html: chevrotain's syntax diagrams of the config grammar.
// Run after tsc: `node dist/grammar/diagrams.js` (npm run diagrams).
//
// chevrotain's page loads its stylesheet and scripts from a CDN; the same files ship in the chevrotain package,
// so they are inlined here and the page works offline, from a file:// URL.

import { readFileSync, writeFileSync } from 'node:fs';
import { createSyntaxDiagramsCode } from './chevrotain.js';
import { confParser } from './parser.js';

const out = new URL('../../grammar/diagrams.html', import.meta.url);
const assets = new URL('../../diagrams/', import.meta.resolve('chevrotain')); // …/chevrotain/lib/src/api.js

// The CDN URLs end in …/diagrams/<path inside the package's diagrams folder>.
const asset = (url: string) => readFileSync(new URL(url.replace(/^.*?\/diagrams\//, ''), assets), 'utf8');
let html = createSyntaxDiagramsCode(confParser.getSerializedGastProductions());
html = html.replace(/<link rel='stylesheet' href='([^']+)'>/g, (_, href: string) => `<style>\n${asset(href)}\n</style>`);
html = html.replace(/<script src='([^']+)'><\/script>/g, (_, src: string) => `<script>\n${asset(src).replace(/<\/script/gi, '<\\/script')}\n</script>`);
if (/(src|href)='https?:/.test(html)) throw new Error('diagrams: a resource was not inlined');
writeFileSync(out, html);
console.log(`wrote ${out.pathname}`);
