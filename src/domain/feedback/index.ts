/** Answers to the questions the bot asks after the fact: the area's public API (what code outside it uses). */
export { FeedbackService } from './service.js';
