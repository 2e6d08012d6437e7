/**
 * The layering rules `npm run lint` keeps true (docs/architecture.md draws them). dependency-cruiser follows
 * every import of the TypeScript sources, through the workspace links, and fails on a forbidden one.
 * (Undeclared dependencies are caught by biome's noUndeclaredDependencies, against each workspace's own
 * package.json.)
 */
const INFRASTRUCTURE = 'node_modules/(kafkajs|ioredis|bullmq|fastify|@fastify|undici)/|^packages/(kafka-runtime|redis-runtime|feed-store)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle ties modules (or packages) so that neither can be understood, tested or built alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'packages-never-import-services',
      severity: 'error',
      comment: 'Services wire processes out of packages; a package that reached into a service would turn that around.',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'services-never-import-services',
      severity: 'error',
      comment: 'Each service is its own process: what two share belongs in a package.',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'contracts-import-nothing-of-ours',
      severity: 'error',
      comment: 'The contracts (event and article schemas) are the bottom layer every other part agrees on.',
      from: { path: '^packages/contracts/' },
      to: { path: '^(packages|services)/', pathNot: '^packages/contracts/' },
    },
    {
      name: 'pure-layers-import-no-infrastructure',
      severity: 'error',
      comment: 'Renderers, enrichment, parsing, partner formats and matching are pure: they take data and return data.',
      from: { path: '^packages/(feeds|enrichment|article-parser|partner-formats|contracts)/', pathNot: '\\.test\\.ts$' },
      to: { path: INFRASTRUCTURE },
    },
    {
      name: 'kafkajs-only-in-kafka-runtime',
      severity: 'error',
      comment: 'Everything Kafka (clients, retries, logging, reading to the end) has one home: @syndicate/kafka-runtime.',
      from: { pathNot: '^packages/kafka-runtime/' },
      to: { path: 'node_modules/kafkajs/' },
    },
    {
      name: 'redis-and-bullmq-only-in-redis-runtime',
      severity: 'error',
      comment: 'Connections, the queue catalogue and factory and the Lua loader have one home: @syndicate/redis-runtime.',
      from: { pathNot: '^packages/redis-runtime/' },
      to: { path: 'node_modules/(ioredis|bullmq)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/|^packages/enrichment/data/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'source', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
