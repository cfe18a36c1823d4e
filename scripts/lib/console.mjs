// The admin console: console/src (TypeScript, Firebase JS SDK) bundled by esbuild into a git-ignored
// folder that Hosting serves. Locally the stack also writes emulators.json beside it, so the same
// bundle finds emulators whose ports a profile (test, bench, QF_PORT_OFFSET) has shifted.
import fs from 'node:fs';
import path from 'node:path';
import { functionsDir, repoRoot, requireFromFunctions } from './paths.mjs';
import { checkDeployedHeaders, defaultProjectId, functionsOrigin } from './hostingHeaders.mjs';
import { functionsRegion } from './region.mjs';

export const consoleSrc = path.join(repoRoot, 'console', 'src');

/** The folder Hosting serves for a profile: console/dist for `npm start` and deploys. */
export function consoleOutDir(profile = 'start') {
  return path.join(repoRoot, 'console', profile === 'start' ? 'dist' : `dist-${profile}`);
}

/**
 * @param {{ outDir?: string, emulators?: { projectId: string, auth: number, functions: number, firestore: number, region: string } }} options
 */
export async function buildConsole({ outDir = consoleOutDir('start'), emulators } = {}) {
  // A region name, never a URL (getFunctions takes a URL as a custom domain): checked like the CSP's host.
  functionsOrigin({ projectId: 'demo-question-factory', region: functionsRegion() });
  const esbuild = requireFromFunctions('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(consoleSrc, 'main.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    // The SDK is installed once, for functions/ (its tests use it too).
    nodePaths: [path.join(functionsDir, 'node_modules')],
    logLevel: 'warning',
    legalComments: 'none',
    // In production the console calls the functions in the region they were deployed to.
    define: { __FUNCTIONS_REGION__: JSON.stringify(functionsRegion()) },
  });
  for (const file of ['index.html', 'console.css']) fs.copyFileSync(path.join(consoleSrc, file), path.join(outDir, file));
  // uPlot's own stylesheet (legend, cursor), served beside ours: the CSP allows no inline style.
  fs.copyFileSync(path.join(functionsDir, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), path.join(outDir, 'uplot.css'));
  if (emulators) fs.writeFileSync(path.join(outDir, 'emulators.json'), `${JSON.stringify(emulators)}\n`);
  return outDir;
}

// `node scripts/lib/console.mjs`: the production build (firebase.json's hosting predeploy).
if (import.meta.url === `file://${process.argv[1]}`) {
  // firebase deploy names the target project to its predeploy hooks; the CSP must be for that project.
  checkDeployedHeaders({ projectId: process.env.GCLOUD_PROJECT || defaultProjectId(), region: functionsRegion() });
  const out = await buildConsole();
  console.log(`console built into ${path.relative(repoRoot, out)}`);
}
