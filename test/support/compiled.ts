import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What to give `node` to run a TypeScript entry of this repository in a child process, compiled
 * to JavaScript first: `node <dir>/src/main.js` rather than `node --import tsx src/main.ts`.
 *
 * tsx compiles (or reads from its cache) every module as it is imported, through loader hooks:
 * about a second of CPU per start of the app, several on a busy 2-core machine. Tests that start
 * processes again and again (test/e2e/process.test.ts, the campaign worker processes) instead
 * compile src/ and the entry once per test file, with the esbuild that tsx itself runs on (so the
 * JavaScript is what tsx would have run), into test-results/ (the project root is found from
 * there as from dist/, see src/shared/paths.ts). Should tsx's esbuild not be found, the entry
 * runs under tsx as before.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let outDir: string | null | undefined;

function compile(): string | null {
  let esbuild: { buildSync(options: Record<string, unknown>): unknown };
  try {
    const require = createRequire(import.meta.url);
    esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as typeof esbuild;
  } catch {
    return null;
  }
  const parent = path.join(ROOT, 'test-results');
  removeLeftovers(parent);
  const dir = path.join(parent, `compiled-${process.pid}-${randomBytes(3).toString('hex')}`);
  const sources = (folder: string) =>
    readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(ROOT, folder, f));
  esbuild.buildSync({
    entryPoints: [...sources('src'), ...sources('test/support').filter((f) => f.endsWith('-worker.ts'))],
    outbase: ROOT,
    outdir: dir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * vitest ends its test processes with SIGTERM, which skips 'exit' handlers: a later compile removes
 * the output of processes that are gone (test-results/ is not committed, nor linted).
 */
function removeLeftovers(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^compiled-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `entry` is relative to the repository root, e.g. 'src/main.ts' or 'test/support/campaigns-worker.ts'. */
export function nodeArgsFor(entry: string): string[] {
  if (outDir === undefined) outDir = compile();
  if (outDir === null) return ['--import', 'tsx', entry];
  return [path.join(outDir, entry.replace(/\.ts$/, '.js'))];
}
