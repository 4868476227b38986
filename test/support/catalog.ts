import { setModelAvailability } from '../../src/domain/catalog/index.js';
import type { Harness } from './harness.js';

/**
 * Opens or pauses a model as ops would, and drops the app's catalog cache so the next screen shows
 * it (the seed pauses Model S and Model X). `invalidate: false` leaves the app's cache as it was,
 * like a pause made by another process the app has not heard of yet.
 */
export async function setModelAvailable(h: Harness, modelId: string, available: boolean, opts: { invalidate?: boolean } = {}): Promise<void> {
  const changed = await setModelAvailability(h.db.db, modelId, available);
  if (!changed) throw new Error(`no model ${modelId}`);
  if (opts.invalidate !== false) h.app.deps.services.catalog.invalidate();
}
