/**
 * Dependencies run one way (docs/architecture.md, "Layers"). Checked by `npm run depcheck`, which
 * `npm test` runs first.
 *
 *   shared  ←  limits, questions  ←  pools  ←  generation  ←  draws, batches, games, discovery, retention  ←  admin
 *
 * The edge (handlers.ts of each capability, index.ts, config/ — the composition root —, contract/ and
 * the two callable helpers in shared/) may import any layer; domain code never imports the edge, a
 * higher layer, or firebase-functions.
 */
const EDGE = ['(^|/)handlers\\.ts$', '^src/index\\.ts$', '^src/config/', '^src/contract/', '^src/shared/(appCheck|httpsErrors)\\.ts$'];
const edge = `(${EDGE.join('|')})`;

// Each layer may import only the layers listed before it.
const LAYERS = [
  ['shared'],
  ['limits', 'questions'],
  ['pools'],
  ['generation'],
  ['draws', 'batches', 'games', 'discovery', 'retention'],
  ['admin'],
];
const folder = (names) => `^src/(${names.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(index + 1).flat();
  const siblings = layer.length > 1 ? layer : [];
  return [
    ...(above.length === 0 ? [] : [{
      name: `layer-${layer.join('-')}`,
      comment: `${layer.join(', ')} must not import a higher layer (${above.join(', ')}).`,
      severity: 'error',
      from: { path: folder(layer), pathNot: edge },
      to: { path: folder(above) },
    }]),
    ...siblings.map((name) => ({
      name: `layer-sibling-${name}`,
      comment: `${name} must not import another capability of its own layer.`,
      severity: 'error',
      from: { path: folder([name]), pathNot: edge },
      to: { path: folder(siblings.filter((other) => other !== name)) },
    })),
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle, even through type-only imports, means two modules cannot be understood apart.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-imports-firebase-functions',
      comment: 'Domain code is plain TypeScript: only the edge (handlers, config, callable helpers) knows firebase-functions.',
      severity: 'error',
      from: { path: '^src/', pathNot: edge },
      to: { path: '(^|/)node_modules/firebase-functions/' },
    },
    {
      name: 'domain-imports-edge',
      comment: 'Wiring lives in the composition root (config/), which only handlers and index.ts import.',
      severity: 'error',
      from: { path: '^src/', pathNot: edge },
      to: { path: edge },
    },
    {
      name: 'imports-a-handler',
      comment: 'Handlers are entry points: only index.ts exports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index\\.ts$' },
      to: { path: '(^|/)handlers\\.ts$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(lib|test|client)/' },
  },
};
