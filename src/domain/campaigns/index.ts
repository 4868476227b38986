/** Broadcast campaigns, their delivery and marketing consent: the area's public API (what code outside it uses). */
export { ConsentService } from './consent.js';
export { DeliveryRepository, type Claim, type ClaimedRecipient, type Counts, type SendResult } from './delivery.js';
export type { CampaignFigures } from './figures.js';
export type { CampaignJobs } from './jobs.js';
export { CampaignRepository, type VariantDraft } from './repository.js';
export { orderStateGroups, type OrderStateGroup } from './segment.js';
