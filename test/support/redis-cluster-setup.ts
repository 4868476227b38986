import type { TestProject } from 'vitest/node';
import { RedisProcesses } from './redis-cluster.js';

/**
 * Global set-up of the vitest project `redis-cluster` (vitest.config.ts): a three-primary Redis
 * Cluster, a primary watched by a Sentinel, and a primary with a replica watched by another (for
 * a failover), on free loopback ports, with redis-server from
 * PATH; both killed and their directories removed when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = RedisProcesses.make();
  try {
    const nodes = await servers.cluster();
    const { sentinel } = await servers.sentinel('tjdprimary');
    project.provide('redisClusterNodes', nodes.join(','));
    project.provide('redisSentinel', `redis+sentinel://${sentinel}/tjdprimary`);
    // A second group with a replica, for the failover test (its primary changes during the run).
    const failover = await servers.sentinel('tjdfailover', { replica: true });
    project.provide('redisSentinelFailover', `redis+sentinel://${failover.sentinel}/tjdfailover`);
  } catch (err) {
    await servers.stop();
    throw err;
  }
  return () => servers.stop();
}
