import { Composer } from 'telegraf';
import { forCustomers, type BotContext } from '../context.js';

/** Placeholder: being built (issue 5). */
const feature = new Composer<BotContext>();
export const checkinFeature = forCustomers(feature);
