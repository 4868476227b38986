import { z } from 'zod';
import { reportKinds } from '../../../domain/reports/service.js';

/** Reports: the range typed as two dates, for the report chosen. */
export const reportStepSchemas = {
  'reports.range': z.object({ kind: z.enum(reportKinds) }),
};
