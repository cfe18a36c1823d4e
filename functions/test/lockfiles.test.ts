import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// `npm ci` refuses a lockfile that lacks an entry for any dependency of an entry it holds, and
// `npm install` silently adds the missing ones, leaving a fresh clone with a modified lockfile. npm
// drops other platforms' optional packages when it rewrites a lockfile from an installed tree.

type LockEntry = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }>; link?: boolean };
type Lockfile = { lockfileVersion: number; packages: Record<string, LockEntry> };

/** Node's lookup: node_modules/<name> beside the package, then in each folder above it. */
function resolves(packages: Lockfile['packages'], from: string, name: string): boolean {
  let dir = from;
  for (;;) {
    if (packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at === -1 ? '' : dir.slice(0, at);
  }
}

function missingEntries(lockPath: string): string[] {
  const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Lockfile;
  const missing: string[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (entry.link) continue;
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const name of Object.keys(required)) {
      if (!resolves(lock.packages, location, name)) missing.push(`${location || '(root)'} → ${name}`);
    }
  }
  return missing;
}

describe('lockfiles', () => {
  const repo = path.join(__dirname, '..', '..');
  test.each(['package-lock.json', 'functions/package-lock.json'])('%s holds an entry for every dependency it names, on every platform', (file) => {
    expect(missingEntries(path.join(repo, file))).toEqual([]);
  });

  test('the check finds a dependency whose entry npm dropped', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(repo, 'functions/package-lock.json'), 'utf8')) as Lockfile;
    const [location, entry] = Object.entries(lock.packages).find(([, e]) => Object.keys(e.optionalDependencies ?? {}).length > 0)!;
    const dropped = Object.keys(entry.optionalDependencies!)[0]!;
    const withoutIt = Object.fromEntries(Object.entries(lock.packages).filter(([key]) => !key.endsWith(`node_modules/${dropped}`)));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lock-')), 'package-lock.json');
    fs.writeFileSync(file, JSON.stringify({ ...lock, packages: withoutIt }));
    expect(missingEntries(file)).toContain(`${location || '(root)'} → ${dropped}`);
  });
});
