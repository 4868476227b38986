/** The car catalog and configuration pricing: the area's public API (what code outside it uses). */
export {
  configSteps,
  nextStep,
  optionsFor,
  priceLines,
  resetFrom,
  snapshot,
  startingPriceFen,
  totalFen,
  type ConfigStep,
  type Configuration,
  type ModelCatalog,
} from './pricing.js';
export { CatalogService, type CatalogServiceOptions } from './service.js';
export { onTheRoadEstimate, PURCHASE_TAX, type OnTheRoadEstimate } from './purchase-tax.js';
export { isModelAvailable, setModelAvailability } from './availability.js';
