/**
 * Benchmark runner: `npm run bench -- <name> [--option value] [--flag]`.
 *
 * Each benchmark is a module `bench/<name>.ts` exporting `run(args)`; add it to `benchmarks`
 * below to make it available. The last line a benchmark prints is one JSON object with its figures.
 */
import { parseArgs, type BenchArgs } from './support/args.js';

interface BenchModule {
  /** One line for the list of available benchmarks. */
  description: string;
  run(args: BenchArgs): Promise<void>;
}

const benchmarks: Record<string, () => Promise<BenchModule>> = {
  updates: () => import('./updates.js'),
};

function usage(): string {
  return [
    'usage: npm run bench -- <name> [options]',
    '',
    'available benchmarks:',
    ...Object.keys(benchmarks).map((name) => `  ${name}`),
    '',
    'run `npm run bench -- <name> --help` for the options of one benchmark',
  ].join('\n');
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    process.exitCode = name ? 0 : 1;
    return;
  }
  const load = benchmarks[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"\n\n${usage()}`);
    process.exitCode = 1;
    return;
  }
  const mod = await load();
  await mod.run(parseArgs(rest));
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  })
  .finally(() => {
    // Lingering sockets or timers must not keep a finished benchmark alive.
    setTimeout(() => process.exit(), 5_000).unref();
  });
