/**
 * The layer rules of src/ (docs/architecture.md draws them). `npm run deps:check` runs them in CI;
 * there is no list of known violations: a new one fails the build.
 *
 *   shared ← db ← domain ← telegram (presentation) ← bot | jobs | ops ← app, main, deps, ops-cli, ops-run
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood (or tested) one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-is-the-bottom',
      severity: 'error',
      comment: 'src/shared is plain helpers (money, time, errors): it imports nothing else of src.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'db-imports-only-shared',
      severity: 'error',
      comment: 'The schema and client know nothing of the rules above them (seed.ts and migrate.ts are also scripts: they read their settings through src/config.ts).',
      from: { path: '^src/db/', pathNot: '^src/db/(seed|migrate)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(db|shared)/' },
    },
    {
      name: 'domain-imports-only-shared-and-db',
      severity: 'error',
      comment: 'Domain services hold the rules and know nothing of Telegram, BullMQ, HTTP or the app.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/(domain|db|shared)/' },
    },
    {
      name: 'presentation-below-its-users',
      severity: 'error',
      comment: 'src/telegram (formatting, screens, the support desk) is shared by bot, jobs and ops: it imports none of them.',
      from: { path: '^src/telegram/' },
      to: { path: '^src/(bot|jobs|ops|server)/|^src/(app|main|ops-cli|ops-run)\\.ts$' },
    },
    {
      name: 'deps-types-only',
      severity: 'error',
      comment: 'src/deps.ts is the composition root: below it, code may name its types (AppDeps, Services) but never call it; the domain does not even name them.',
      from: { path: '^src/(telegram|bot|jobs|ops|server)/' },
      to: { path: '^src/deps\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'bot-jobs-ops-apart',
      severity: 'error',
      comment: 'The bot, the workers and the ops CLI share the presentation layer, never each other.',
      from: { path: '^src/(bot|jobs|ops)/' },
      to: { path: '^src/(bot|jobs|ops)/', pathNot: '^src/$1/' },
    },
    {
      name: 'features-are-leaves',
      severity: 'error',
      comment: 'A feature is a Composer mounted by src/bot/index.ts; nothing else imports a feature.',
      from: { path: '^src/', pathNot: '^src/bot/(index\\.ts|features/)' },
      to: { path: '^src/bot/features/' },
    },
    {
      name: 'entry-points-are-roots',
      severity: 'error',
      comment:
        'main.ts, app.ts, ops-cli.ts, ops-run.ts and deps.ts wire everything; nothing else in src imports them (main.ts starts app.ts, ops-cli.ts runs ops-run.ts, the sandbox starts app.ts).',
      from: { path: '^src/', pathNot: '^src/(main|ops-cli)\\.ts$|^src/sandbox/start\\.ts$' },
      to: { path: '^src/(app|main|ops-cli|ops-run)\\.ts$' },
    },
    {
      name: 'sandbox-is-a-root',
      comment: 'The sandbox (npm run sandbox) sits beside main.ts: only main.ts (npm run dev without BOT_TOKEN) starts it; the product never depends on it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$|^src/sandbox/' },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'The Bot API emulator (tests, benchmarks, sandbox) speaks Telegram only: it knows nothing of the product.',
      severity: 'error',
      from: { path: '^src/sandbox/emulator/' },
      to: { path: '^src/', pathNot: '^src/sandbox/emulator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|coverage)/' },
  },
};
