import { existsSync, readFileSync } from 'node:fs';
// A default import: a named import of an export an old Node.js lacks would fail before the version check runs.
import util from 'node:util';
import { rootPath } from './paths.js';

/**
 * What every entry point (src/main.ts, src/ops-cli.ts, src/db/migrate.ts, src/db/seed.ts,
 * bench/run.ts, the tests' global setup) does first: refuse a Node.js the project does not support,
 * with one line saying which one it needs, and read the project's `.env` the same way.
 */

/** package.json's `engines.node`: the one place the supported Node.js versions are written. */
export function nodeRange(): string {
  const pkg = JSON.parse(readFileSync(rootPath('package.json'), 'utf8')) as { engines?: { node?: string } };
  return pkg.engines?.node ?? '*';
}

type Version = [number, number, number];
const parse = (v: string): Version | null => {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null;
};
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Whether `version` satisfies `range`, for the forms package.json uses: alternatives joined by
 * `||`, each `^x.y.z` (same major, at least x.y.z) or `>=x.y.z`. Any other form is refused, so a
 * range this cannot read fails the unit test rather than letting every version through.
 */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (!v) return false;
  return range.split('||').some((part) => {
    const m = /^\s*(\^|>=)\s*(\S+)\s*$/.exec(part);
    const min = m ? parse(m[2]!) : null;
    if (!m || !min) throw new Error(`unsupported engines range "${part.trim()}"`);
    if (compare(v, min) < 0) return false;
    return m[1] === '>=' || v[0] === min[0];
  });
}

/** The message for an unsupported Node.js, or null when this one will do. */
export function nodeVersionProblem(version: string = process.versions.node, range: string = nodeRange()): string | null {
  if (satisfies(version, range)) return null;
  return [
    `This project needs Node.js ${range} (package.json "engines"); this is Node.js ${version}.`,
    'Install a supported one, e.g. `nvm install` in the project folder (it reads .nvmrc), and run the command again.',
  ].join('\n');
}

/** Prints the problem and ends the process when this Node.js is not supported. */
export function exitUnlessSupportedNode(exitCode = 1): void {
  const problem = nodeVersionProblem();
  if (!problem) return;
  console.error(problem);
  process.exit(exitCode);
}

/** The file `.env` settings are read from: ENV_FILE when set (a path), the project's `.env` otherwise. */
export const envFilePath = (env: Record<string, string | undefined> = process.env): string => env.ENV_FILE || rootPath('.env');

/** The settings in the env file (see envFilePath), or {} when there is none. */
export function readEnvFile(file: string = envFilePath()): Record<string, string> {
  if (!existsSync(file)) return {};
  return util.parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

/**
 * Adds the env file's settings to `env` (process.env by default). A variable the environment
 * already has wins over the file, as with `node --env-file`: the platform's settings beat a
 * developer's file. Returns the names it set.
 */
export function loadEnvFile(env: Record<string, string | undefined> = process.env, file: string = envFilePath(env)): string[] {
  const set: string[] = [];
  for (const [name, value] of Object.entries(readEnvFile(file))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

/** The start of every entry point: an unsupported Node.js ends it (with `exitCode`), then `.env` is read. */
export function prepareProcess(opts: { exitCode?: number; envFile?: boolean } = {}): void {
  exitUnlessSupportedNode(opts.exitCode ?? 1);
  if (opts.envFile ?? true) loadEnvFile();
}
