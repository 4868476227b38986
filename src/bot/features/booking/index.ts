import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { defineSteps } from '../../steps.js';
import { bookingFlowFeature } from './booking.js';
import { bookingRenderers } from './booking-flow.js';
import { checkinFeature } from './checkin.js';
import { bookingStepSchemas } from './steps.js';

/** Delivery and charger-installation bookings, and the answers to the delivery check-in. */
export const bookingFeature = new Composer<BotContext>(bookingFlowFeature, checkinFeature);
export const bookingSteps = defineSteps(bookingStepSchemas, bookingRenderers);
