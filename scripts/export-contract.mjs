// Writes contract/*.json (JSON Schema of every callable's input and reply) from the zod schemas.
// Usage: node scripts/export-contract.mjs   (builds functions/ first)
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
execSync('npm --prefix functions run build', { cwd: root, stdio: 'inherit' });
const { contractFiles } = createRequire(import.meta.url)(path.join(root, 'functions', 'lib', 'contract', 'jsonSchemas.js'));
const dir = path.join(root, 'contract');
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir);
const files = contractFiles();
for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
console.log(`wrote ${Object.keys(files).length} files to contract/`);
