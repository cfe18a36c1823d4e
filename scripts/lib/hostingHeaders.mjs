// The console's Content-Security-Policy. Hosting headers are static JSON, so firebase.json carries the
// production policy for one project and region: connect-src names Firebase's own APIs and this
// project's function host only (no wildcard a crafted link could point at, no localhost).
// `node scripts/lib/hostingHeaders.mjs [--project <id>]` rewrites it; the Hosting predeploy (console
// build) refuses to deploy a firebase.json written for another project or region.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.mjs';
import { functionsRegion } from './region.mjs';

const FIREBASE_APIS = [
  'https://identitytoolkit.googleapis.com',
  'https://securetoken.googleapis.com',
  'https://firestore.googleapis.com',
  'https://firebaseinstallations.googleapis.com',
  'https://content-firebaseappcheck.googleapis.com',
];

/** What the local stacks add (emulators on plain HTTP); never written to firebase.json. */
export const LOCAL_CONNECT_SOURCES = ['http://127.0.0.1:*', 'http://localhost:*', 'ws://127.0.0.1:*', 'ws://localhost:*'];

const REGION_PATTERN = /^[a-z]+(?:-[a-z]+)+\d+$/;
const PROJECT_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** The host the Firebase JS SDK calls for a callable of this project in this region. */
export function functionsOrigin({ projectId, region }) {
  if (!REGION_PATTERN.test(region)) throw new Error(`FUNCTIONS_REGION ${JSON.stringify(region)} is not a region name`);
  if (!PROJECT_PATTERN.test(projectId)) throw new Error(`project id ${JSON.stringify(projectId)} is not a project id`);
  return `https://${region}-${projectId}.cloudfunctions.net`;
}

export function connectSources({ projectId, region, local = false }) {
  return ["'self'", ...FIREBASE_APIS, functionsOrigin({ projectId, region }), ...(local ? LOCAL_CONNECT_SOURCES : [])];
}

export function contentSecurityPolicy(options) {
  return [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: https:", "font-src 'self'",
    `connect-src ${connectSources(options).join(' ')}`,
    "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'",
  ].join('; ');
}

/** The project `firebase deploy` uses without --project. */
export function defaultProjectId() {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, '.firebaserc'), 'utf8')).projects.default;
}

/** A hosting config with its CSP set for { projectId, region, local }. */
export function withContentSecurityPolicy(hosting, options) {
  const headers = hosting.headers.map((rule) => ({
    ...rule,
    headers: rule.headers.map((header) => (header.key === 'Content-Security-Policy' ? { ...header, value: contentSecurityPolicy(options) } : header)),
  }));
  return { ...hosting, headers };
}

export function cspIn(config) {
  return config.hosting.headers.flatMap((rule) => rule.headers).find((header) => header.key === 'Content-Security-Policy')?.value;
}

const firebaseJson = path.join(repoRoot, 'firebase.json');

/** Throws unless firebase.json's CSP is the production one for this project and region. */
export function checkDeployedHeaders({ projectId, region }) {
  const config = JSON.parse(fs.readFileSync(firebaseJson, 'utf8'));
  if (cspIn(config) !== contentSecurityPolicy({ projectId, region })) {
    throw new Error(`firebase.json's Content-Security-Policy is not the one for project ${projectId} in ${region}: run node scripts/lib/hostingHeaders.mjs --project ${projectId}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--project');
  const projectId = at > 0 ? process.argv[at + 1] : defaultProjectId();
  const text = fs.readFileSync(firebaseJson, 'utf8');
  const current = cspIn(JSON.parse(text));
  // Only the policy's value changes; the rest of the file keeps its layout.
  fs.writeFileSync(firebaseJson, text.replace(JSON.stringify(current), () => JSON.stringify(contentSecurityPolicy({ projectId, region: functionsRegion() }))));
  checkDeployedHeaders({ projectId, region: functionsRegion() });
  console.log(`firebase.json: connect-src for ${functionsOrigin({ projectId, region: functionsRegion() })}`);
}
