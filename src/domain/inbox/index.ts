/** The transactional inbox: updates stored before they are acknowledged, handled in per-chat order. */
export { InboxRepository, type ClaimedUpdate, type FinishState, type InboxEntry, type InboxOptions, type InboxState, type RawUpdate } from './repository.js';
export { IngestBatcher } from './batcher.js';
