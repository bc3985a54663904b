import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePcre, countGroups } from '../../src/config/regex.js';

// [pattern, expected JavaScript source, flags]
const translated: [string, string, string][] = [
  ['^/(.*)$', '^/(.*)$', 's'],
  ['^/api/(v[0-9]+)/(.*)', '^/api/(v[0-9]+)/(.*)', 's'],
  ['(?i)^/Foo', '^/Foo', 'is'],
  ['(?s)a.b', 'a.b', 's'],
  ['(?P<id>\\d+)-(?P=id)', '(?<id>\\d+)-\\k<id>', 's'],
  ["(?'id'x)\\k{id}", '(?<id>x)\\k<id>', 's'],
  ['[[:alpha:]][[:digit:]_]+', '[A-Za-z][0-9_]+', 's'],
  ['[^[:space:]]', '[^\\t\\n\\x0B\\f\\r ]', 's'],
  ['[[:^digit:]]', '[\\D]', 's'],
  ['[]a]', '[\\]a]', 's'],
  ['[^]a]', '[^\\]a]', 's'],
  ['a(?#comment)b', 'ab', 's'],
  ['\\x41\\x{42}\\x4', '\\x41\\x42\\x04', 's'],
  ['\\Aab\\z', '^ab$', 's'],
  ['ab\\Z', 'ab(?=\\n?$)', 's'],
  ['\\h+\\v', '[\\t \\xA0]+[\\n\\x0B\\f\\r\\x85]', 's'],
  ['(a)(b)\\2\\g{1}\\g{-1}', '(a)(b)\\2\\1\\2', 's'],
  ['a{2,3}?b*?c{,3}', 'a{2,3}?b*?c{,3}', 's'],
  ['\\.\\/\\-', '\\.\\/\\-', 's'],
  ['(?<=a)b(?<!c)(?=d)(?!e)(?:f)', '(?<=a)b(?<!c)(?=d)(?!e)(?:f)', 's'],
  ['\\bword\\B\\w\\W\\s\\S\\d\\D', '\\bword\\B\\w\\W\\s\\S\\d\\D', 's'],
  ['[\\b\\h]', '[\\b\\t \\xA0]', 's'],
];

for (const [pattern, source, flags] of translated) {
  test(`translates ${pattern}`, () => {
    const r = compilePcre(pattern);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.re.source, new RegExp(source).source);
    assert.equal(r.re.flags, flags);
  });
}

// [pattern, fragment of the reason]
const refused: [string, string][] = [
  ['a++', 'possessive'],
  ['a*+', 'possessive'],
  ['a?+', 'possessive'],
  ['a{2}+', 'possessive'],
  ['(a)++', 'possessive'],
  ['(?>a)', 'atomic groups (?>…) are PCRE-only; JavaScript would read them differently'],
  ['a(?i)b', 'inline option'],
  ['(?x)a b', 'inline option'],
  ['(?m)^a', 'inline option'],
  ['(?-i)a', 'inline option'],
  ['(?i:a)', 'inline option'],
  ['\\Gabc', '\\G'],
  ['\\Qa.b\\E', '\\Q'],
  ['a\\Kb', '\\K'],
  ['\\R', '\\R'],
  ['[\\H]', 'inside a character class'],
  ['(?(1)a|b)', 'conditional'],
  ['(a(?R)?)', 'recursion'],
  ['(a)(?1)', 'recursion'],
  ['(?<n>a)(?&n)', 'recursion'],
  ['(?P>n)', 'recursion'],
  ['(?|(a)|(b))', 'branch-reset'],
  ['[:alpha:]', 'POSIX class'],
  ['[[:foo:]]', "unknown POSIX class name 'foo'"],
  ['[[:^alpha:]]', 'negated POSIX'],
  ['[[.a.]]', 'collating'],
  ['\\x{100}', 'above 0xFF'],
  ['\\012', 'octal'],
  ['[\\1]', 'octal'],
  ['\\i', "JavaScript would read it as a plain 'i'"],
  ['\\p{L}', 'Unicode properties'],
  ['(*UTF)a', 'verbs'],
  ['\\1(a)', 'forward reference'],
  ['(a)\\2', 'forward reference'],
  ['\\k<x>', "non-existent subpattern 'x'"],
  ['(?<a>x)(?<a>y)', 'same name'],
  ['^(a', 'Unterminated group'],
  ['[a', 'missing terminating ]'],
  ['a\\', '\\ at end of pattern'],
  ['*a', 'Nothing to repeat'],
];

for (const [pattern, fragment] of refused) {
  test(`refuses ${pattern}`, () => {
    const r = compilePcre(pattern);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.ok(r.error.startsWith(`cannot compile regular expression '${pattern}': `), r.error);
      assert.ok(r.error.includes(fragment), r.error);
    }
  });
}

test('exact refusal text for atomic groups', () => {
  const r = compilePcre('(?>a)');
  assert.deepEqual(r, {
    ok: false,
    error: "cannot compile regular expression '(?>a)': atomic groups (?>…) are PCRE-only; JavaScript would read them differently",
  });
});

test('nocase sets the i flag; DOTALL lets . cross a newline; $ is end-only', () => {
  const r = compilePcre('^/a(.+)/$', { nocase: true });
  assert.ok(r.ok);
  assert.equal(r.re.flags, 'is');
  assert.ok(r.re.test('/A\nhttp://x/'));
  assert.ok(!r.re.test('/A/\n'));
});

test('group counts and names', () => {
  const r = compilePcre('(a)(?:b)(?<n>c)(?=d)');
  assert.ok(r.ok);
  assert.equal(r.groups, 2);
  assert.deepEqual(r.names, ['n']);
  assert.equal(countGroups(r.re), 2);
});

test('translated POSIX classes match like PCRE in the C locale', () => {
  const r = compilePcre('^[[:punct:]]+$');
  assert.ok(r.ok);
  assert.ok(r.re.test('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'));
  assert.ok(!r.re.test('a'));
});
