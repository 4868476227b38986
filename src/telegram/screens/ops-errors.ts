import type { Fmt } from '../format.js';
import { stateLabel } from './orders.js';
import type { Services } from '../../deps.js';
import { IllegalInstallationTransitionError } from '../../domain/installations/transitions.js';
import { escapeHtml } from '../../i18n.js';
import { AppError } from '../../shared/errors.js';

/** What the refused step was about, so the message can name the order and echo the input. */
export interface ErrorSubject {
  orderId?: number;
  installationId?: number;
  vin?: string;
}

const OPS_CODES = new Set(['invalid_vin', 'vin_in_use', 'order_state_changed', 'illegal_transition', 'not_found']);

/** True for the refusals staff should be told about in words (not bugs or outages). */
export const isOpsRefusal = (err: unknown): err is AppError => err instanceof AppError && OPS_CODES.has((err as AppError).code);

/**
 * A fulfilment refusal in the staff member's language (HTML-escaped), or null when `err` is not
 * one: the caller rethrows those. A stale state names where the order is now, read afresh.
 */
export async function explainOpsError(services: Services, f: Fmt, err: unknown, subject: ErrorSubject = {}): Promise<string | null> {
  if (!isOpsRefusal(err)) return null;
  if (err instanceof IllegalInstallationTransitionError) {
    return f.t('ops.errors.installation_state', { state: f.t(`ops.installation_state.${err.from}`) });
  }
  switch (err.code) {
    case 'invalid_vin': {
      const input = subject.vin ?? '';
      return f.t('ops.errors.invalid_vin', { input: escapeHtml(input.trim().slice(0, 40)), length: input.replace(/[\s-]/g, '').length });
    }
    case 'vin_in_use': {
      const other = await services.orders.byId(Number(err.details.orderId));
      const vin = (subject.vin ?? '').replace(/[\s-]/g, '').toUpperCase();
      return f.t('ops.errors.vin_in_use', { vin: escapeHtml(vin), other: other?.number ?? String(err.details.orderId) });
    }
    // An order's illegal move reads like a stale one: say where the order is now.
    case 'illegal_transition':
    case 'order_state_changed': {
      const order = subject.orderId ? await services.orders.byId(subject.orderId) : null;
      if (!order) return f.t('ops.errors.order_not_found', { ref: String(subject.orderId ?? '') });
      return f.t('ops.errors.order_state_changed', { number: order.number, state: stateLabel(f, order.state) });
    }
    default:
      return subject.installationId !== undefined
        ? f.t('ops.errors.installation_not_found', { id: String(subject.installationId) })
        : f.t('ops.errors.order_not_found', { ref: String(subject.orderId ?? '') });
  }
}
