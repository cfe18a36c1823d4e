import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const functionsDir = path.join(repoRoot, 'functions');
/** Resolves packages installed for functions/ (pg, firebase-admin…) so scripts share one copy. */
export const requireFromFunctions = createRequire(path.join(functionsDir, 'package.json'));
export const requireFromRoot = createRequire(path.join(repoRoot, 'package.json'));
