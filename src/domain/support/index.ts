/** Support handoffs to agents in Telegram: the area's public API (what code outside it uses). */
export { isOpen, nextOpening } from './hours.js';
export { isPersonRequest } from './keywords.js';
export {
  relayEntryKey,
  SupportService,
  type ClaimResult,
  type RelayDirection,
  type RelayEntry,
  type SlaScheduler,
  type SupportRelay,
  type SupportServiceOptions,
  type SupportSettings,
} from './service.js';
