import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start.js';
import { createTestDb, dropPrefix, REDIS_URL, type TestDb } from './db.js';

export interface TestSandbox extends Sandbox {
  db: TestDb;
}

/** The sandbox (npm run sandbox) on a database and queue prefix of its own, its page on a free loopback port. */
export async function startTestSandbox(env: Record<string, string> = {}): Promise<TestSandbox> {
  const db = await createTestDb();
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const sandboxEnv = { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, SANDBOX_PORT: '0', LOG_LEVEL: 'silent', ...env };
  const sandbox = await startSandbox({ env: sandboxEnv, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  return {
    ...sandbox,
    db,
    async stop() {
      await sandbox.stop();
      await db.drop();
      await dropPrefix(REDIS_URL, prefix);
    },
  };
}

/**
 * Opens the sandbox's event stream, runs `action` once connected, and resolves with the first
 * event `until` accepts (rejects when the stream ends or `timeoutMs` passes).
 */
export async function nextEvent(
  url: string,
  until: (event: { event: string; data: any }) => boolean,
  action: () => Promise<unknown>,
  timeoutMs = 5000,
): Promise<{ event: string; data: any }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(`${url}/api/events`, { signal: controller.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  async function* blocks() {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const parts = buffer.split('\n\n');
      buffer = parts.pop() ?? '';
      yield* parts;
    }
  }
  try {
    for await (const block of blocks()) {
      // The stream opens with its retry line: connected, so the action's events will be seen.
      if (block.startsWith('retry:')) {
        await action();
        continue;
      }
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data && until({ event, data: JSON.parse(data) })) return { event, data: JSON.parse(data) };
    }
    throw new Error('event stream ended');
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
