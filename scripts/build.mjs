// `npm run build` (and npm's postinstall): builds what the local stack runs, when it is stale.
import { buildIfStale } from './lib/build.mjs';

const ran = await buildIfStale({ log: (line) => console.log(`[build] ${line}`), force: process.argv.includes('--force') });
if (ran.length === 0) console.log('[build] everything up to date');
