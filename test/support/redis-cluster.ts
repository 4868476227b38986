import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './wait.js';

/** A loopback port nothing listens on (nor on port + 10000, a cluster node's bus port). */
export async function freePort(): Promise<number> {
  const probe = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
  for (;;) {
    const port = await probe(0);
    if (port > 55_000) continue;
    if (
      await probe(port + 10_000).then(
        () => true,
        () => false,
      )
    )
      return port;
  }
}

const cli = (args: string[]) => spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });

async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(100);
  }
}

/**
 * Redis servers of a test run's own on loopback, each in its own temporary directory, killed and
 * removed by stop(): a three-primary Redis Cluster, or one server with a Sentinel watching it.
 */
export class RedisProcesses {
  private readonly children: ChildProcess[] = [];
  private constructor(readonly dir: string) {}

  static make(): RedisProcesses {
    return new RedisProcesses(mkdtempSync(join(tmpdir(), 'tjd-rcl-')));
  }

  private start(name: string, args: string[]): void {
    const dir = join(this.dir, name);
    mkdirSync(dir);
    const child = spawn('redis-server', [...args, '--dir', dir], { stdio: 'ignore' });
    this.children.push(child);
  }

  private server(port: number, extra: string[] = []): void {
    this.start(`n${port}`, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra]);
  }

  /** Three primaries, no replicas, every slot assigned; resolves once every node says cluster_state:ok. */
  async cluster(): Promise<string[]> {
    const ports = [] as number[];
    while (ports.length < 3) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    for (const port of ports) this.server(port, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000']);
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await waitFor('cluster nodes up', () => ports.every((p) => cli(['-p', String(p), 'ping']).stdout.trim() === 'PONG'));
    const made = cli(['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
    await waitFor('cluster_state:ok', () => ports.every((p) => cli(['-p', String(p), 'cluster', 'info']).stdout.includes('cluster_state:ok')));
    return nodes;
  }

  /**
   * One primary and one Sentinel monitoring it as `name`; resolves to the Sentinel's address once it
   * knows the primary. With `replica`, a replica of it too, known to the Sentinel, so that a
   * failover (SENTINEL FAILOVER) can promote it.
   */
  async sentinel(name: string, opts: { replica?: boolean } = {}): Promise<{ primary: string; sentinel: string; replica?: string }> {
    const primary = await freePort();
    this.server(primary);
    await waitFor('primary up', () => cli(['-p', String(primary), 'ping']).stdout.trim() === 'PONG');
    let replica: number | undefined;
    if (opts.replica) {
      replica = await freePort();
      this.server(replica, ['--replicaof', '127.0.0.1', String(primary)]);
      await waitFor('replica in sync', () => cli(['-p', String(replica), 'info', 'replication']).stdout.includes('master_link_status:up'));
    }
    const port = await freePort();
    const conf = join(this.dir, `sentinel-${port}.conf`);
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsentinel monitor ${name} 127.0.0.1 ${primary} 1\nsentinel down-after-milliseconds ${name} 5000\n`);
    this.start(`s${port}`, [conf, '--sentinel']);
    await waitFor('sentinel knows the primary', () => cli(['-p', String(port), 'sentinel', 'get-master-addr-by-name', name]).stdout.includes(String(primary)));
    if (replica === undefined) return { primary: `127.0.0.1:${primary}`, sentinel: `127.0.0.1:${port}` };
    // The Sentinel learns of replicas from the primary's INFO, every 10 s.
    await waitFor('sentinel knows the replica', () => cli(['-p', String(port), 'sentinel', 'replicas', name]).stdout.includes(String(replica)), 30_000);
    return { primary: `127.0.0.1:${primary}`, sentinel: `127.0.0.1:${port}`, replica: `127.0.0.1:${replica}` };
  }

  /** Kills every server started here and removes their directories. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
