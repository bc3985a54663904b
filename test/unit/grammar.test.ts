// Golden tests of the httpd config grammar (grammar/). Expected values follow
// httpd 2.4 behaviour checked with `apache2 -t` (see grammar/to-tree.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConf, splitWords } from '../../grammar/parse.js';
import { MAX_NESTING } from '../../grammar/parser.js';
import type { Diagnostic, SyntaxNode, Word } from '../../grammar/ast.js';

/** `text@line:col`, quoted words shown with their quote char. */
function w(x: Word): string {
  const q = x.quote ?? '';
  return `${q}${x.text}${q}@${x.loc.line}:${x.loc.col}`;
}

/** One string per node, children indented. */
function show(nodes: readonly SyntaxNode[], indent = ''): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const at = `${n.loc.line}:${n.loc.col}`;
    if (n.kind === 'directive') {
      out.push(`${indent}${n.name}@${at} [${n.args.map(w).join(' ')}] raw=${JSON.stringify(n.rawArgs)}`);
    } else {
      const end = n.endLoc ? `${n.endLoc.line}:${n.endLoc.col}` : 'unclosed';
      out.push(`${indent}<${n.name}>@${at} [${n.args.map(w).join(' ')}] raw=${JSON.stringify(n.rawArgs)} end=${end}`);
      out.push(...show(n.children, indent + '  '));
    }
  }
  return out;
}

function diag(d: Diagnostic): string {
  return `${d.severity} ${d.code}@${d.loc.line}:${d.loc.col} ${d.message}`;
}

interface Case {
  readonly name: string;
  readonly src: string;
  readonly tree?: readonly string[];
  /** Expected diagnostics; [] when omitted. */
  readonly diags?: readonly string[];
}

const cases: Case[] = [
  // ---- words, quotes and escapes (ap_getword_conf / substring_conf) ----
  {
    name: 'plain words split on blanks, tabs, CR, VT, FF',
    src: 'Listen  8080\tx\ry\vz\fq\n',
    tree: ['Listen@1:1 [8080@1:9 x@1:14 y@1:16 z@1:18 q@1:20] raw="8080\\tx\\ry\\u000bz\\fq"'],
  },
  {
    name: 'double quotes: \\\\ and \\" are escapes, other backslashes literal',
    src: 'Define X "a\\\\b\\"c\\d"\n',
    tree: ['Define@1:1 [X@1:8 "a\\b"c\\d"@1:10] raw="X \\"a\\\\\\\\b\\\\\\"c\\\\d\\""'],
  },
  {
    name: "single quotes: \\\\ and \\' are escapes, \\\" is literal",
    src: "Define X 'a\\\\b\\'c\\\"d'\n",
    tree: ["Define@1:1 [X@1:8 'a\\b'c\\\"d'@1:10] raw=\"X 'a\\\\\\\\b\\\\'c\\\\\\\"d'\""],
  },
  {
    name: 'unquoted: only \\\\ collapses; a quote is literal',
    src: 'Define X a\\\\\\\\b\\\\"c\n',
    tree: ['Define@1:1 [X@1:8 a\\\\b\\"c@1:10] raw="X a\\\\\\\\\\\\\\\\b\\\\\\\\\\"c"'],
  },
  {
    name: 'a closing quote ends the word: "abc"def is two words',
    src: 'Define "abc"def\n',
    tree: ['Define@1:1 ["abc"@1:8 def@1:13] raw="\\"abc\\"def"'],
  },
  {
    name: 'a quote in the middle of a word is literal',
    src: 'Define X ab"c d"\n',
    tree: ['Define@1:1 [X@1:8 ab"c@1:10 d"@1:15] raw="X ab\\"c d\\""'],
  },
  {
    name: 'the other quote inside quotes is literal',
    src: 'A \'a"b\' "a\'b"\n',
    tree: ['A@1:1 [\'a"b\'@1:3 "a\'b"@1:9] raw="\'a\\"b\' \\"a\'b\\""'],
  },
  {
    name: 'empty quoted words',
    src: "A \"\" '' x\n",
    tree: ['A@1:1 [""@1:3 \'\'@1:6 x@1:9] raw="\\"\\" \'\' x"'],
  },
  {
    name: 'quoted directive name is unquoted (httpd accepts "Define" X 1)',
    src: '"Define" X "1"\n',
    tree: ['Define@1:1 [X@1:10 "1"@1:12] raw="X \\"1\\""'],
  },
  {
    name: 'a trailing > on a directive name is dropped, as httpd does',
    src: 'Define> X 1\n',
    tree: ['Define@1:1 [X@1:9 1@1:11] raw="X 1"'],
  },
  {
    name: 'unterminated double quote: error, word takes the rest of the line',
    src: 'Define X "abc def\nNext 1\n',
    tree: ['Define@1:1 [X@1:8 "abc def"@1:10] raw="X \\"abc def"', 'Next@2:1 [1@2:6] raw="1"'],
    diags: [
      'error TSP_SYNTAX_UNTERMINATED_QUOTE@1:10 Unterminated "-quoted string (httpd would silently take the rest of the line)',
    ],
  },
  {
    name: 'unterminated single quote (an escaped quote does not close it)',
    src: "A 'x\\'\n",
    tree: ["A@1:1 ['x''@1:3] raw=\"'x\\\\'\""],
    diags: [
      "error TSP_SYNTAX_UNTERMINATED_QUOTE@1:3 Unterminated '-quoted string (httpd would silently take the rest of the line)",
    ],
  },
  // ---- lines: continuation, comments, blanks ----
  {
    name: 'continuation joins lines (no blank inserted); words keep physical positions',
    src: 'Err\\\nor x\\\ny z\n',
    tree: ['Error@1:1 [xy@2:4 z@3:3] raw="xy z"'],
  },
  {
    name: 'continuation keeps the blanks around it; a quoted word spans it',
    src: 'A x  \\\n   y "p \\\n q"\nB\n',
    tree: ['A@1:1 [x@1:3 y@2:4 "p  q"@2:6] raw="x     y \\"p  q\\""', 'B@4:1 [] raw=""'],
  },
  {
    name: 'a double backslash at the end still continues (one backslash removed)',
    src: 'Define X x\\\\\ny\n',
    tree: ['Define@1:1 [X@1:8 x\\y@1:10] raw="X x\\\\y"'],
  },
  {
    name: 'continuation with CRLF',
    src: 'A a\\\r\nb\r\nB c\r\n',
    tree: ['A@1:1 [ab@1:3] raw="ab"', 'B@3:1 [c@3:3] raw="c"'],
  },
  {
    name: 'continuation before the first word',
    src: '\\\nA 1\n  \\\n  B 2\n',
    tree: ['A@2:1 [1@2:3] raw="1"', 'B@4:3 [2@4:5] raw="2"'],
  },
  {
    name: 'backslash at end of file without newline stays',
    src: 'A 1\\',
    tree: ['A@1:1 [1\\@1:3] raw="1\\\\"'],
  },
  {
    name: 'comments, indented comments, blank and whitespace-only lines',
    src: '# top\n\n   \t\n  # indented\nA 1\n',
    tree: ['A@5:1 [1@5:3] raw="1"'],
  },
  {
    name: 'a comment ending in a backslash swallows the next line',
    src: '# comment \\\nA inside-comment\nB after\n',
    tree: ['B@3:1 [after@3:3] raw="after"'],
  },
  {
    name: 'a # later on a line is an ordinary word',
    src: 'ServerName y #x\nA a#b\n',
    tree: ['ServerName@1:1 [y@1:12 #x@1:14] raw="y #x"', 'A@2:1 [a#b@2:3] raw="a#b"'],
  },
  {
    name: 'CRLF line endings, tabs, last line without newline',
    src: '\tA 1\r\n<S x>\r\n\tB "2 3"\r\n</S>',
    tree: ['A@1:2 [1@1:4] raw="1"', '<S>@2:1 [x@2:4] raw="x" end=4:1', '  B@3:2 ["2 3"@3:4] raw="\\"2 3\\""'],
  },
  {
    name: 'BOM at file start is skipped',
    src: '\uFEFFA 1\nB 2\n',
    tree: ['A@1:1 [1@1:3] raw="1"', 'B@2:1 [2@2:3] raw="2"'],
  },
  { name: 'empty file', src: '', tree: [] },
  { name: 'only blank lines and comments', src: '\n\n# x\n\r\n', tree: [] },
  {
    name: 'a NUL byte ends the line for httpd (warning, rest of the physical line dropped)',
    src: 'Define X a\0b c\nDefine Y z\n',
    tree: ['Define@1:1 [X@1:8 a@1:10] raw="X a"', 'Define@2:1 [Y@2:8 z@2:10] raw="Y z"'],
    diags: ['warning TSP_SYNTAX_NUL_BYTE@1:11 NUL byte in line: httpd ignores the rest of the line after it'],
  },
  // ---- sections ----
  {
    name: 'sections nest 3 deep; close is case-insensitive; names kept as written',
    src: '<VirtualHost *:80>\n  <Location "/a b">\n    <If "%{X} == \'1\'">\n      Require all granted\n    </if>\n  </LOCATION>\n</virtualhost>\n',
    tree: [
      '<VirtualHost>@1:1 [*:80@1:14] raw="*:80" end=7:1',
      '  <Location>@2:3 ["/a b"@2:13] raw="\\"/a b\\"" end=6:3',
      '    <If>@3:5 ["%{X} == \'1\'"@3:9] raw="\\"%{X} == \'1\'\\"" end=5:5',
      '      Require@4:7 [all@4:15 granted@4:19] raw="all granted"',
    ],
  },
  {
    name: 'section without args, and args up to the LAST >',
    src: '<IfModule>\n</IfModule>\n<Location "/a>b">\n</Location>\n<Directory /x> trailing\n</Directory>\n',
    tree: [
      '<IfModule>@1:1 [] raw="" end=2:1',
      '<Location>@3:1 ["/a>b"@3:11] raw="\\"/a>b\\"" end=4:1',
      '<Directory>@5:1 [/x@5:12] raw="/x" end=6:1',
    ],
    diags: ['warning TSP_SYNTAX_TRAILING_TEXT@5:16 Text after the closing \'>\' of <Directory> is ignored by httpd: "trailing"'],
  },
  {
    name: 'text after </Name> is ignored by httpd: warning',
    src: '<Location /x>\n</Location> foo\n',
    tree: ['<Location>@1:1 [/x@1:11] raw="/x" end=2:1'],
    diags: ['warning TSP_SYNTAX_TRAILING_TEXT@2:13 Text after </Location> is ignored by httpd: "foo"'],
  },
  {
    name: 'section tag split by a continuation',
    src: '<Location \\\n  /x>\n  A\n</Location>\n',
    tree: ['<Location>@1:1 [/x@2:3] raw="/x" end=4:1', '  A@3:3 [] raw=""'],
  },
  // ---- errors (messages as httpd prints them) ----
  {
    name: "opening tag without '>': error, the section still opens",
    src: '<Location /x\n  Require all granted\n</Location>\nB\n',
    tree: [
      '<Location>@1:1 [/x@1:11] raw="/x" end=3:1',
      '  Require@2:3 [all@2:11 granted@2:15] raw="all granted"',
      'B@4:1 [] raw=""',
    ],
    diags: ["error TSP_SYNTAX_OPEN_MISSING_GT@1:1 <Location> directive missing closing '>'"],
  },
  {
    name: "`<Name` alone is read by httpd as `<Name>`: warning only",
    src: '<Else\n</Else>\n',
    tree: ['<Else>@1:1 [] raw="" end=2:1'],
    diags: ["warning TSP_SYNTAX_MISSING_GT@1:1 <Else> directive missing closing '>' (httpd reads '<Else' alone as '<Else>')"],
  },
  {
    name: "closing tag without '>' (also `</Location foo>`): error, still closes",
    src: '<Location /x>\n</Location\n<Location /y>\n</Location foo>\nB\n',
    tree: ['<Location>@1:1 [/x@1:11] raw="/x" end=2:1', '<Location>@3:1 [/y@3:11] raw="/y" end=4:1', 'B@5:1 [] raw=""'],
    diags: [
      "error TSP_SYNTAX_MISSING_GT@2:1 </Location> directive missing closing '>'",
      "error TSP_SYNTAX_MISSING_GT@4:1 </Location> directive missing closing '>'",
    ],
  },
  {
    name: 'stray close at top level',
    src: 'A\n</Location>\n</Directory\nB\n',
    tree: ['A@1:1 [] raw=""', 'B@4:1 [] raw=""'],
    diags: [
      'error TSP_SYNTAX_UNMATCHED_CLOSE@2:1 </Location> without matching <Location> section',
      'error TSP_SYNTAX_UNMATCHED_CLOSE@3:1 </Directory without matching <Directory section',
    ],
  },
  {
    name: 'mismatched close matching no open section is ignored; the section goes on',
    src: '<Location /x>\n  A\n</Directory>\n  B\n</Location>\n',
    tree: ['<Location>@1:1 [/x@1:11] raw="/x" end=5:1', '  A@2:3 [] raw=""', '  B@4:3 [] raw=""'],
    diags: ['error TSP_SYNTAX_MISMATCHED_CLOSE@3:1 Expected </Location> but saw </Directory>'],
  },
  {
    name: 'close of an outer section ends the inner ones: one error, at the close, naming the innermost (as httpd)',
    src: '<VirtualHost *>\n<Location /x>\n<If true>\nA\n</VirtualHost>\nB\n',
    tree: [
      '<VirtualHost>@1:1 [*@1:14] raw="*" end=5:1',
      '  <Location>@2:1 [/x@2:11] raw="/x" end=unclosed',
      '    <If>@3:1 [true@3:5] raw="true" end=unclosed',
      '      A@4:1 [] raw=""',
      'B@6:1 [] raw=""',
    ],
    diags: ['error TSP_SYNTAX_MISMATCHED_CLOSE@5:1 Expected </If> but saw </VirtualHost>'],
  },
  {
    name: 'sections still open at end of file: reported at their opening lines',
    src: '<Location /x>\n  <Directory /y>\n    A 1\n',
    tree: [
      '<Location>@1:1 [/x@1:11] raw="/x" end=unclosed',
      '  <Directory>@2:3 [/y@2:14] raw="/y" end=unclosed',
      '    A@3:5 [1@3:7] raw="1"',
    ],
    diags: [
      'error TSP_SYNTAX_UNCLOSED@1:1 <Location> was not closed.',
      'error TSP_SYNTAX_UNCLOSED@2:3 <Directory> was not closed.',
    ],
  },
  {
    name: "stray '>' lines and '<' / '</>' without a name",
    src: '>\n> foo\n<\n</>\n<Location /x>\n</>\n</Location>\n',
    tree: ['<Location>@5:1 [/x@5:11] raw="/x" end=7:1'],
    diags: [
      "error TSP_SYNTAX_STRAY@1:1 Stray '>' at the start of a line: httpd reads it as \"Invalid command '', perhaps misspelled or defined by a module not included in the server configuration\"",
      "error TSP_SYNTAX_STRAY@2:1 Stray '>' at the start of a line: httpd reads it as \"Invalid command '', perhaps misspelled or defined by a module not included in the server configuration\"",
      "error TSP_SYNTAX_STRAY@3:1 Section tag without a name: httpd reads it as \"Invalid command '<', perhaps misspelled or defined by a module not included in the server configuration\"",
      'error TSP_SYNTAX_STRAY@4:1 </> without matching <> section',
      'error TSP_SYNTAX_STRAY@6:1 Expected </Location> but saw </>',
    ],
  },
  {
    name: 'every error of a file is reported, in source order',
    src: [
      '</A>', //                      1 unmatched
      '<Location /x', //              2 missing >
      '  B "unterminated', //         3 quote
      '  </Directory>', //            4 mismatched, ignored
      '</Location>', //               5 ok
      '<VirtualHost *>', //           6
      '  <If x>', //                  7 unclosed (ended by </VirtualHost>)
      '</VirtualHost> junk', //       8 mismatched + trailing
      '>', //                         9 stray
      '<Directory /d>', //           10 unclosed at EOF
    ].join('\n'),
    tree: [
      '<Location>@2:1 [/x@2:11] raw="/x" end=5:1',
      '  B@3:3 ["unterminated"@3:5] raw="\\"unterminated"',
      '<VirtualHost>@6:1 [*@6:14] raw="*" end=8:1',
      '  <If>@7:3 [x@7:7] raw="x" end=unclosed',
      '<Directory>@10:1 [/d@10:12] raw="/d" end=unclosed',
    ],
    diags: [
      'error TSP_SYNTAX_UNMATCHED_CLOSE@1:1 </A> without matching <A> section',
      "error TSP_SYNTAX_OPEN_MISSING_GT@2:1 <Location> directive missing closing '>'",
      'error TSP_SYNTAX_UNTERMINATED_QUOTE@3:5 Unterminated "-quoted string (httpd would silently take the rest of the line)',
      'error TSP_SYNTAX_MISMATCHED_CLOSE@4:3 Expected </Location> but saw </Directory>',
      'error TSP_SYNTAX_MISMATCHED_CLOSE@8:1 Expected </If> but saw </VirtualHost>',
      'warning TSP_SYNTAX_TRAILING_TEXT@8:16 Text after </VirtualHost> is ignored by httpd: "junk"',
      "error TSP_SYNTAX_STRAY@9:1 Stray '>' at the start of a line: httpd reads it as \"Invalid command '', perhaps misspelled or defined by a module not included in the server configuration\"",
      'error TSP_SYNTAX_UNCLOSED@10:1 <Directory> was not closed.',
    ],
  },
];

for (const c of cases) {
  test(`parseConf: ${c.name}`, () => {
    const r = parseConf(c.src, 'test.conf');
    if (c.tree) assert.deepEqual(show(r.nodes), c.tree);
    assert.deepEqual(r.diagnostics.map(diag), c.diags ?? []);
    for (const d of r.diagnostics) assert.equal(d.loc.file, 'test.conf');
  });
}

test('parseConf: every node and word carries the file name', () => {
  const r = parseConf('<A x>\nB "c"\n</A>\n', '/etc/x.conf');
  const s = r.nodes[0]!;
  assert.equal(s.kind, 'section');
  assert.equal(s.loc.file, '/etc/x.conf');
  assert.equal(s.endLoc?.file, '/etc/x.conf');
  assert.equal(s.args[0]!.loc.file, '/etc/x.conf');
  if (s.kind !== 'section') return;
  const d = s.children[0]!;
  assert.equal(d.loc.file, '/etc/x.conf');
  assert.equal(d.kind === 'directive' && d.args[0]!.loc.file, '/etc/x.conf');
});

test('parseConf: never throws on garbage', () => {
  const junk = ['<', '>', '</', '"', "'", '\\', '\0', '\r', '\n', ' ', 'a', '<a', '</a>', '#', '\uFEFF'];
  let seed = 7;
  for (let n = 0; n < 300; n++) {
    let s = '';
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      s += junk[seed % junk.length];
    }
    const r = parseConf(s, 'junk');
    assert.ok(Array.isArray(r.nodes));
    assert.ok(r.diagnostics.every((d) => d.code !== 'TSP_SYNTAX_INTERNAL' && d.code !== 'TSP_SYNTAX_PARSE'));
  }
});

test('parseConf: a 20,000-line file parses quickly', () => {
  const lines: string[] = [];
  for (let i = 0; lines.length < 20000; i++) {
    lines.push(`<VirtualHost *:${8000 + (i % 100)}>`, `  ServerName h${i}.example.com`, '  # c', `  ProxyPass / http://b${i}/ \\`, '    retry=0', '</VirtualHost>');
  }
  const src = lines.join('\n');
  parseConf(src, 'big'); // warm-up
  const t = performance.now();
  const r = parseConf(src, 'big');
  const ms = performance.now() - t;
  assert.equal(r.diagnostics.length, 0);
  assert.equal(r.nodes.length, Math.ceil(20000 / 6));
  assert.ok(ms < 500, `took ${ms} ms`); // loose bound for CI; typically ~30-50 ms
});

// ---- splitWords ----

const at = { file: 'f.conf', line: 7, col: 5 };
const splitCases: { name: string; text: string; words: string[] }[] = [
  { name: 'blanks', text: '  a \t b  ', words: ['a@7:7', 'b@7:11'] },
  { name: 'quotes and escapes', text: `"a b" 'c\\'d' e\\\\f "g\\"h"`, words: ['"a b"@7:5', "'c'd'@7:11", 'e\\f@7:18', '"g"h"@7:23'] },
  { name: 'quote ends the word', text: '"x"y', words: ['"x"@7:5', 'y@7:8'] },
  { name: 'unterminated quote takes the rest', text: 'a "b c', words: ['a@7:5', '"b c"@7:7'] },
  { name: 'empty quoted word', text: '""', words: ['""@7:5'] },
  { name: 'empty text', text: '', words: [] },
];
for (const c of splitCases) {
  test(`splitWords: ${c.name}`, () => {
    const ws = splitWords(c.text, at);
    assert.deepEqual(ws.map(w), c.words);
    for (const x of ws) assert.equal(x.loc.file, 'f.conf');
  });
}

// ---- nesting depth, close-line trailing text, blanks, first characters ----

test('parseConf: sections nest up to MAX_NESTING levels', () => {
  const depth = MAX_NESTING;
  const src = '<IfDefine !X>\n'.repeat(depth) + 'ServerName x\n' + '</IfDefine>\n'.repeat(depth);
  const r = parseConf(src, 'deep.conf');
  assert.deepEqual(r.diagnostics, []);
  let n: SyntaxNode | undefined = r.nodes[0];
  let seen = 0;
  while (n?.kind === 'section') {
    assert.equal(n.endLoc?.line, 2 * depth + 1 - seen);
    seen++;
    n = n.children[0];
  }
  assert.equal(seen, depth);
  assert.equal(n?.kind === 'directive' && n.name, 'ServerName');
});

test('parseConf: deeper nesting is a located error, never a crash, and the rest of the file is kept', () => {
  for (const depth of [MAX_NESTING + 1, 50_000]) {
    const src = '<IfDefine !X>\n'.repeat(depth) + 'ServerName x\n' + '</IfDefine>\n'.repeat(depth) + 'Listen 80\n';
    const r = parseConf(src, 'deep.conf');
    const allowed = new Set(['TSP_SYNTAX_TOO_DEEP', 'TSP_SYNTAX_MISMATCHED_CLOSE', 'TSP_SYNTAX_UNMATCHED_CLOSE']);
    assert.ok(r.diagnostics.every((d) => allowed.has(d.code) && d.severity === 'error'));
    assert.equal(r.diagnostics[0]!.code, 'TSP_SYNTAX_TOO_DEEP');
    assert.equal(r.diagnostics[0]!.loc.line, MAX_NESTING + 1);
    const last = r.nodes[r.nodes.length - 1]!;
    assert.equal(last.kind === 'directive' && last.name, 'Listen');
  }
});

test('parseConf: sections closed by an outer close, and left open, report as httpd does', () => {
  const r = parseConf('<A>\n<B>\n<B>\n</A>\n<C>\n', 'deep.conf');
  assert.deepEqual(r.diagnostics.map(diag), [
    'error TSP_SYNTAX_MISMATCHED_CLOSE@4:1 Expected </B> but saw </A>',
    'error TSP_SYNTAX_UNCLOSED@5:1 <C> was not closed.',
  ]);
  assert.equal(r.nodes.length, 2);
});

test('parseConf: endTrailing marks text after a close tag (httpd refuses it after a true conditional)', () => {
  const r = parseConf('<IfModule m>\n</IfModule> x\n<Location />\n</Location>\t \n<IfDefine X>\n</IfDefine>\\\n  more\n', 't.conf');
  const [a, b, c] = r.nodes as SyntaxNode[];
  assert.ok(a?.kind === 'section' && b?.kind === 'section' && c?.kind === 'section');
  assert.deepEqual(a.endTrailing, { file: 't.conf', line: 2, col: 13 });
  assert.equal(b.endTrailing, undefined); // trailing blanks are not text
  assert.equal('endTrailing' in b, false);
  assert.deepEqual(c.endTrailing, { file: 't.conf', line: 7, col: 3 }); // after a continuation
  assert.deepEqual(r.diagnostics.map(diag), [
    'warning TSP_SYNTAX_TRAILING_TEXT@2:13 Text after </IfModule> is ignored by httpd: "x"',
    'warning TSP_SYNTAX_TRAILING_TEXT@7:3 Text after </IfDefine> is ignored by httpd: "more"',
  ]);
});

test('parseConf: only ASCII blanks separate words; U+00A0 and U+FEFF are word characters (apr_isspace)', () => {
  const r = parseConf('<Location /a\u00a0>\nHeader set X a\u00a0b\ufeff\n</Location>\n', 'u.conf');
  assert.deepEqual(show(r.nodes), [
    '<Location>@1:1 [/a\u00a0@1:11] raw="/a\u00a0" end=3:1',
    '  Header@2:1 [set@2:8 X@2:12 a\u00a0b\ufeff@2:14] raw="set X a\u00a0b\ufeff"',
  ]);
  const t = parseConf('<If "x"\u00a0>\n</If>\n', 'u.conf');
  assert.equal(t.nodes[0]!.rawArgs, '"x"\u00a0');
});

test('parseConf: a line may start with any character outside the blanks and <>#: it is a directive', () => {
  // The lexer's first-character table (tokens.ts directiveStartChars) must cover every block of char codes.
  for (let c = 1; c < 0x10000; c += c < 0x300 ? 1 : 97) {
    const ch = String.fromCharCode(c);
    if (' \t\n\r\v\f<>#\\"\''.includes(ch)) continue;
    const r = parseConf(`${ch}x a\n`, 'c.conf');
    assert.equal(r.nodes.length, 1, `char ${c}`);
    assert.equal(r.nodes[0]!.kind, 'directive', `char ${c}`);
    assert.deepEqual(r.diagnostics, [], `char ${c}`);
  }
});

// ---- to-tree.ts builds the nesting that parser.ts's grammar describes ----

/** Nesting as the chevrotain CST has it: directives and sections in source order, sections closed or not. */
