import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootPath } from '../../src/shared/paths.js';
import { envFilePath, loadEnvFile, nodeRange, nodeVersionProblem, satisfies } from '../../src/shared/startup.js';

const read = (file: string) => readFileSync(rootPath(file), 'utf8');

describe('the supported Node.js versions', () => {
  it('are package.json engines: what vite and vitest need (20.19+ on 20, 22.12+ after)', () => {
    expect(nodeRange()).toBe('^20.19.0 || >=22.12.0');
    expect(satisfies('20.19.0', nodeRange())).toBe(true);
    expect(satisfies('20.20.2', nodeRange())).toBe(true);
    expect(satisfies('22.12.0', nodeRange())).toBe(true);
    expect(satisfies('24.1.0', nodeRange())).toBe(true);
    // 20.12 has process.loadEnvFile but vitest 4 does not start on it; 21 and early 22 lack require(esm).
    for (const old of ['18.20.4', '20.11.1', '20.12.2', '20.18.3', '21.7.3', '22.11.0']) expect(satisfies(old, nodeRange()), old).toBe(false);
  });

  it('this Node.js is one of them (the check passes here)', () => {
    expect(nodeVersionProblem()).toBeNull();
  });

  it('an older one is refused in one message naming both versions and what to do', () => {
    const problem = nodeVersionProblem('20.12.2');
    expect(problem).toContain('needs Node.js ^20.19.0 || >=22.12.0');
    expect(problem).toContain('this is Node.js 20.12.2');
    expect(problem).toContain('nvm install');
  });

  it('a range form the check cannot read fails loudly instead of letting everything through', () => {
    expect(() => satisfies('20.19.0', '20.x')).toThrow(/unsupported engines range/);
  });

  it('.nvmrc, the Docker image and the README agree with engines', () => {
    // A bare major in .nvmrc means that line's newest release to nvm.
    const nvmrc = read('.nvmrc').trim();
    expect(nvmrc).toMatch(/^\d+$/);
    expect(satisfies(`${nvmrc}.99.0`, nodeRange())).toBe(true);
    const image = /^FROM node:(\d+)/m.exec(read('Dockerfile'))?.[1];
    expect(image).toBe(nvmrc);
    const readme = read('README.md');
    expect(readme).toContain('Node.js 20.19+ or 22.12+');
    expect(readme).not.toMatch(/Node\.js 20\+/);
  });
});

describe('.env, read the same way by every entry point', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tjd-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds what the environment lacks and never overrides what it has', () => {
    const file = path.join(dir, 'a.env');
    writeFileSync(file, '# a comment\nDATABASE_URL=postgres://file@db/app\nREDIS_URL="redis://file:6379"\nQUEUE_PREFIX=\n');
    const env: Record<string, string | undefined> = { DATABASE_URL: 'postgres://shell@db/app' };
    expect(loadEnvFile(env, file).sort()).toEqual(['QUEUE_PREFIX', 'REDIS_URL']);
    expect(env).toEqual({ DATABASE_URL: 'postgres://shell@db/app', REDIS_URL: 'redis://file:6379', QUEUE_PREFIX: '' });
  });

  it('is the project root .env, or ENV_FILE; a missing file is no error', () => {
    expect(envFilePath({})).toBe(rootPath('.env'));
    expect(envFilePath({ ENV_FILE: '/etc/tjd.env' })).toBe('/etc/tjd.env');
    const env: Record<string, string | undefined> = {};
    expect(loadEnvFile(env, path.join(dir, 'missing.env'))).toEqual([]);
    expect(env).toEqual({});
  });
});
