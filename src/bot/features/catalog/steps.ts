import { z } from 'zod';
import { noData } from '../../step-registry.js';

/** A car's configuration as chosen so far (Configuration in src/domain/catalog/pricing.ts). */
export const configuration = z.object({
  modelId: z.string(),
  trimId: z.string().optional(),
  paintId: z.string().optional(),
  wheelsId: z.string().optional(),
  interiorId: z.string().optional(),
});

const optionId = z.string().min(1);
/** Every option chosen (nextStep(cfg) === null): what an order is placed with. */
export const completeConfiguration = configuration.extend({ trimId: optionId, paintId: optionId, wheelsId: optionId, interiorId: optionId });

const configuring = z.object({ cfg: configuration });

/** Browse and configure: model list → model card → trim → paint → wheels → interior → summary. */
export const catalogStepSchemas = {
  browse: noData,
  'browse.model': z.object({ cfg: configuration.pick({ modelId: true }) }),
  'config.trim': configuring,
  'config.paint': configuring,
  'config.wheels': configuring,
  'config.interior': configuring,
  'config.summary': configuring,
};
