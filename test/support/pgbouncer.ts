import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort } from './net.js';
import { sleep } from './wait.js';

/** Debian's pgbouncer (.ci/run installs it when missing). */
export const PGBOUNCER_BIN = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p)) ?? 'pgbouncer';
export const hasPgBouncer = spawnSync(PGBOUNCER_BIN, ['--version']).status === 0;

/**
 * A PgBouncer of the test run's own in transaction mode, on a free loopback port, in front of the
 * tests' Postgres server: every database of that server under the same name (`* =`), the server's
 * own authentication passed through (trust or a password in the URL's role: auth_type=trust here,
 * the upstream login done with the URL's password). Killed and its directory removed by stop().
 */
export class PgBouncer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** `serverUrl` names the Postgres server and role (the tests' PG.url). */
  static async start(serverUrl: string, opts: { poolSize?: number } = {}): Promise<PgBouncer> {
    const u = new URL(serverUrl);
    const user = decodeURIComponent(u.username) || 'postgres';
    const password = decodeURIComponent(u.password);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tjd-pgb-'));
    // pgbouncer refuses to run as root: as root it drops to nobody, who must read the files.
    const asRoot = userInfo().uid === 0;
    if (asRoot) chmodSync(dir, 0o777);
    const upstream = `host=${u.hostname || '127.0.0.1'} port=${u.port || '5432'} user=${user}${password ? ` password=${password}` : ''}`;
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = ${upstream}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        // The console (database "pgbouncer"): tests read SHOW POOLS to see their traffic went through.
        `admin_users = ${user}`,
        `default_pool_size = ${opts.poolSize ?? 20}`,
        'max_client_conn = 1000',
        'server_reset_query =',
        // postgres.js sends none of these, but other clients (psql, drivers) may: ignored, not refused.
        'ignore_startup_parameters = extra_float_digits,options',
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        `pidfile = ${join(dir, 'pgbouncer.pid')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
    const child = spawn(PGBOUNCER_BIN, [...(asRoot ? ['-u', 'nobody'] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
    const bouncer = new PgBouncer(port, dir, child);
    const until = Date.now() + 15_000;
    for (;;) {
      const sql = postgres(bouncer.url(u.pathname.replace(/^\//, '') || 'postgres', serverUrl), { max: 1, prepare: false, onnotice: () => {}, connect_timeout: 2 });
      try {
        await sql`select 1`;
        break;
      } catch (err) {
        if (Date.now() > until || child.exitCode !== null) {
          await bouncer.stop();
          throw new Error(`pgbouncer on ${port} did not start: ${(err as Error).message}\n${bouncer.log()}`);
        }
        await sleep(100);
      } finally {
        await sql.end({ timeout: 1 });
      }
    }
    return bouncer;
  }

  /** `database` through this PgBouncer, as the role of `serverUrl`. */
  url(database: string, serverUrl: string): string {
    const u = new URL(serverUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    u.pathname = `/${encodeURIComponent(database)}`;
    return u.toString();
  }

  /** SHOW POOLS of the console: the (database, user) pools this PgBouncer serves, and their mode. */
  static async pools(url: string): Promise<{ database: string; user: string; pool_mode: string }[]> {
    const u = new URL(url);
    u.pathname = '/pgbouncer';
    const sql = postgres(u.toString(), { max: 1, prepare: false, onnotice: () => {}, fetch_types: false });
    try {
      // The console speaks the simple query protocol only.
      return (await sql.unsafe('SHOW POOLS').simple()) as unknown as { database: string; user: string; pool_mode: string }[];
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'pgbouncer.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
