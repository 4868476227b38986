/** Per-chat conversation state and seen update ids: the area's public API (what code outside it uses). */
export { ConversationRepository, emptyState, type ChatState, type ConversationRepositoryOptions } from './repository.js';
