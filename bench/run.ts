/**
 * Benchmark runner: `npm run bench -- <name> [--option value] [--flag]`.
 *
 * Each benchmark is a module `bench/<name>.ts` exporting `run(args)`; add it to `benchmarks`
 * below to make it available. The last line a benchmark prints is one JSON object with its figures.
 *
 * `npm run bench` starts this file under tsx's CLI, which relays Ctrl-C to it and SIGKILLs it
 * when it does not acknowledge the signal within about 60 ms: a benchmark busy driving load often
 * cannot, and would die without cleaning up. So under tsx's CLI this process only supervises: it
 * runs the benchmark in a child (the same node flags minus tsx's preflight, this file again with
 * BENCH_WORKER=1) in a process group of its own, stays idle, forwards SIGINT/SIGTERM to it (one
 * per Ctrl-C) and exits with its status. Run directly (`node --import tsx bench/run.ts …`, e.g.
 * with --cpu-prof), there is no relay and the benchmark runs in this process.
 */
import '../src/shared/supported-node.js';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, type BenchArgs } from './support/args.js';
import { tsxImport } from './support/ipc.js';
import { loadEnvFile } from '../src/shared/startup.js';

// .env is read as by every npm script (src/shared/startup.ts): BENCH_DATABASE_URL, BENCH_REDIS_URL…
loadEnvFile();

interface BenchModule {
  /** One line for the list of available benchmarks. */
  description: string;
  run(args: BenchArgs): Promise<void>;
}

const benchmarks: Record<string, () => Promise<BenchModule>> = {
  updates: () => import('./updates.js'),
  reminders: () => import('./reminders.js'),
  broadcast: () => import('./broadcast.js'),
  budget: () => import('./budget.js'),
  handoff: () => import('./handoff.js'),
  store: () => import('./store.js'),
  reports: () => import('./reports.js'),
  fuzz: () => import('./fuzz.js'),
  chaos: () => import('./chaos.js'),
  scale: () => import('./scale.js'),
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

/** tsx's CLI loads its signal relay with `--require …/tsx/dist/preflight.cjs`. */
const isPreflight = (arg: string | undefined) => /[\\/]tsx[\\/]dist[\\/]preflight\.cjs$/.test(arg ?? '');

function supervise(): void {
  const execArgv = process.execArgv.filter((arg, i, all) => !isPreflight(arg) && !(arg === '--require' && isPreflight(all[i + 1])));
  if (!execArgv.includes('--import')) execArgv.push('--import', tsxImport());
  const child = spawn(process.execPath, [...execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENCH_WORKER: '1' },
    // Out of the terminal's foreground process group, so that a Ctrl-C reaches the benchmark once,
    // through this process, rather than also directly.
    detached: true,
  });
  // Copies of one Ctrl-C (the terminal's, and tsx's relay should this process be slow to
  // acknowledge it) are forwarded once: a benchmark counts presses.
  let last = -Infinity;
  const forward = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (now - last < 300) return;
    last = now;
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (err) => {
    console.error(`could not start the benchmark: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
}

if (process.env.BENCH_WORKER === '1' || !process.execArgv.some(isPreflight)) {
  main()
    .catch((err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    })
    .finally(() => {
      // Lingering sockets or timers must not keep a finished benchmark alive.
      setTimeout(() => process.exit(), 5_000).unref();
    });
} else {
  supervise();
}
