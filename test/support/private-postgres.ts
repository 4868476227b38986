import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const exec = promisify(execFile);

/**
 * A Postgres server of the test's own (initdb in a temporary folder), whose logins need a password
 * (scram-sha-256), unlike the project's server, which may trust local logins: the proof that the
 * suite and `npm run dev` work with a password. Needs the server binaries (pg_config --bindir, or
 * /usr/lib/postgresql/<n>/bin); as root it runs them as the `postgres` user, as initdb requires.
 */
export interface PrivatePostgres {
  port: number;
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> */
  url(database?: string, password?: string): string;
  stop(): Promise<void>;
}

/** Where initdb and pg_ctl are, or null when this machine has no Postgres server installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => path.join(root, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')));
  return dir ?? null;
}

export async function startPrivatePostgres(password: string): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no Postgres server binaries (initdb) on this machine');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tjd-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = async (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    await exec(file, argv, { cwd: dir, timeout: 60_000 });
  };
  if (asRoot) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const port = await freePort();
  const data = path.join(dir, 'data');
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
  await run('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    port,
    url: (database = 'postgres', pw = password) => `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`,
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
