import { noData } from '../../step-registry.js';

/** /settings: language and news-and-offers consent (the customer row holds both). */
export const settingsStepSchemas = {
  settings: noData,
};
