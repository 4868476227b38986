import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { bookingFlowFeature } from './booking.js';
import { checkinFeature } from './checkin.js';

/** Delivery and charger-installation bookings, and the answers to the delivery check-in. */
export const bookingFeature = new Composer<BotContext>(bookingFlowFeature, checkinFeature);
