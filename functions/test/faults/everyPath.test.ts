import fs from 'node:fs';
import path from 'node:path';
import { FAULT_POINTS } from '../../src/shared/faultPoints';

// Every path of FAULT_POINTS has a test that enumerates it: test/faults/<path>.test.ts, or a test
// elsewhere under test/ that asserts it ran `FAULT_POINTS.<path>` (the game path's predates this
// folder). A new path without one fails here; a new point fails its path's enumeration assertion.

const testRoot = path.join(__dirname, '..');

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'support' || entry.name === 'fixtures' ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') && full !== __filename ? [full] : [];
  });
}

test('each fault path has a test enumerating its points × {crash, throw}, and each test/faults file names a path', () => {
  const files = testFiles(testRoot).map((file) => ({ file: path.relative(testRoot, file), source: fs.readFileSync(file, 'utf8') }));
  const missing: string[] = [];
  for (const [name, points] of Object.entries(FAULT_POINTS)) {
    expect(points.every((point) => point.startsWith(`${name}.`))).toBe(true);
    const own = files.find((f) => f.file === path.join('faults', `${name}.test.ts`));
    const enumerating = own ?? files.find((f) => f.source.includes(`FAULT_POINTS.${name}`));
    if (!enumerating || !enumerating.source.includes(`FAULT_POINTS.${name}`) || !/crash/.test(enumerating.source) || !/throw/.test(enumerating.source)) missing.push(name);
  }
  expect(missing).toEqual([]);
  const harnessFiles = files.filter((f) => f.file.startsWith(`faults${path.sep}`)).map((f) => path.basename(f.file, '.test.ts'));
  expect(harnessFiles.filter((name) => !(name in FAULT_POINTS)).sort()).toEqual([]);
});
