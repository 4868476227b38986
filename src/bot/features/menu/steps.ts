import { noData } from '../../step-registry.js';

/** The main menu: where every chat starts, and where a stale or left step goes back to. */
export const menuStepSchemas = {
  menu: noData,
};
