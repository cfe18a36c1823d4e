import fs from 'node:fs';
import path from 'node:path';
import { FAULT_POINTS } from '../../src/shared/faultPoints';

// Every path of FAULT_POINTS has its enumeration test here (test/faults/<path>.test.ts), which
// asserts it ran exactly that path's points × {crash, throw}: a new point or path cannot go untested.

test('each fault path has its harness test, and each harness test names a path', () => {
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.ts') && f !== path.basename(__filename));
  expect(files.map((f) => f.replace(/\.test\.ts$/, '')).sort()).toEqual(Object.keys(FAULT_POINTS).sort());
  for (const [name, points] of Object.entries(FAULT_POINTS)) {
    const source = fs.readFileSync(path.join(__dirname, `${name}.test.ts`), 'utf8');
    expect(source).toContain(`FAULT_POINTS.${name}`);
    expect(points.every((point) => point.startsWith(`${name}.`))).toBe(true);
  }
});
