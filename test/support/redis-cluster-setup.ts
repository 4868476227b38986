import type { TestProject } from 'vitest/node';
import { RedisProcesses } from './redis-cluster.js';

/**
 * Global set-up of the vitest project `redis-cluster` (vitest.config.ts): a three-primary Redis
 * Cluster and a primary watched by a Sentinel, on free loopback ports, with redis-server from
 * PATH; both killed and their directories removed when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = RedisProcesses.make();
  try {
    const nodes = await servers.cluster();
    const { sentinel } = await servers.sentinel('tjdprimary');
    project.provide('redisClusterNodes', nodes.join(','));
    project.provide('redisSentinel', `redis+sentinel://${sentinel}/tjdprimary`);
  } catch (err) {
    await servers.stop();
    throw err;
  }
  return () => servers.stop();
}
