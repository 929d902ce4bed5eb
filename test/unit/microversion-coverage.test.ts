import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { HISTORY } from '../../src/api/microversion';

const TEST_ROOT = path.resolve(__dirname, '../../../test');

function testSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return testSources(full);
    return e.name.endsWith('.ts') ? [fs.readFileSync(full, 'utf8')] : [];
  });
}

/** Versions named in test titles as "microversion 2.N" or "microversions 2.N, 2.M and 2.K" (2.1 is the base every other test covers). */
function versionsNamedInTests(): Set<string> {
  const named = new Set<string>();
  for (const source of testSources(TEST_ROOT)) {
    for (const m of source.matchAll(/microversions? (2\.\d+(?:(?:, | and )2\.\d+)*)\b/g)) {
      for (const v of m[1].split(/, | and /)) named.add(v);
    }
  }
  return named;
}

describe('advertised microversions', () => {
  it('has a test naming each version after 2.1 ("microversion 2.N"), so every delta advertised is checked', () => {
    const named = versionsNamedInTests();
    const untested = HISTORY.slice(1).map((h) => h.version).filter((v) => !named.has(v));
    expect(untested, `advertised versions without a test: ${untested.join(', ')}`).to.deep.equal([]);
  });
});
