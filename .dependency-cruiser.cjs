/**
 * The folders of src/ in layers, lowest first: a folder may import its own files and those of the
 * layers below it, nothing else, so dependencies run one way and the folder graph has no cycle.
 * Type-only imports count too. A new folder has to be given a layer here.
 */
const LAYERS = [
  ['domain', 'config'],
  ['redis', 'http', 'tracing'],
  ['logging'],
  ['upstreams', 'sandbox', 'auth'],
  ['cinnox', 'kaleyra', 'limits'],
  ['cache'],
  ['call-logs', 'health', 'metrics'],
  ['app'],
  ['bin'],
];

const folders = LAYERS.flat();
const below = (layer) => LAYERS.slice(0, layer).flat();

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other, directly or through others.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'folder-has-a-layer',
      severity: 'error',
      comment: 'Every folder of src/ is in a layer of .dependency-cruiser.cjs.',
      from: { path: `^src/(?!(${folders.join('|')})/)[^/]+/` },
      to: {},
    },
    ...LAYERS.flatMap((names, layer) =>
      names.map((name) => ({
        name: `layers-${name}`,
        severity: 'error',
        comment: `src/${name}/ may import only ${[name, ...below(layer)].join(', ')}.`,
        from: { path: `^src/${name}/` },
        to: { path: `^src/(?!(${[name, ...below(layer)].join('|')})/)` },
      })),
    ),
    {
      name: 'main-starts-the-app',
      severity: 'error',
      comment: 'src/main.ts starts the app; nothing imports it.',
      from: {},
      to: { path: '^src/main\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
