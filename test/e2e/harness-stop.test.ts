/**
 * The harness (test/support/harness.ts) can be stopped straight after it started, in either mode:
 * the app's stop ends its long poll or its webhook server without waiting on a client, and the
 * stand-in, database and Redis keys go with it. A hang fails the test by its timeout.
 */
import { expect, it } from 'vitest';
import { startHarness } from '../support/harness.js';

for (const mode of ['polling', 'webhook'] as const) {
  it(`${mode}: startHarness() then stop() at once ends, and the app's port is closed`, { timeout: 60_000 }, async () => {
    const h = await startHarness({ mode });
    const port = h.app.port;
    await h.stop();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
}
