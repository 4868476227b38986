import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canBookDelivery,
  canBookInstallation,
  canTransition,
  cancellationTarget,
  canPreferWeek,
  depositRefundable,
  IllegalTransitionError,
  orderStates,
  type OrderState,
} from '../../src/domain/orders/index.js';
import { AppError } from '../../src/shared/errors.js';

/**
 * The order lifecycle as the business describes it, written out independently of the code's table:
 * pay or let it lapse; once paid, fulfilment moves forward and a cancellation becomes a refund
 * request, or (once a vehicle is allocated, under the default deposit terms) a cancellation that
 * keeps the deposit; a scheduled delivery can be unscheduled (back to ready); end states are final.
 */
const legal: ReadonlyArray<readonly [OrderState, OrderState]> = [
  ['awaiting_deposit', 'deposit_paid'],
  ['awaiting_deposit', 'cancelled'],
  ['awaiting_deposit', 'expired'],
  ['deposit_paid', 'vehicle_allocated'],
  ['deposit_paid', 'refund_requested'],
  ['vehicle_allocated', 'ready_for_delivery'],
  ['vehicle_allocated', 'refund_requested'],
  ['vehicle_allocated', 'cancelled'],
  ['ready_for_delivery', 'delivery_scheduled'],
  ['ready_for_delivery', 'refund_requested'],
  ['ready_for_delivery', 'cancelled'],
  ['delivery_scheduled', 'delivered'],
  ['delivery_scheduled', 'ready_for_delivery'],
  ['delivery_scheduled', 'refund_requested'],
  ['delivery_scheduled', 'cancelled'],
  ['refund_requested', 'refunded'],
];

const expectedStates: OrderState[] = [
  'awaiting_deposit',
  'deposit_paid',
  'vehicle_allocated',
  'ready_for_delivery',
  'delivery_scheduled',
  'delivered',
  'cancelled',
  'expired',
  'refund_requested',
  'refunded',
];

const isLegal = (from: OrderState, to: OrderState) => legal.some(([f, t]) => f === from && t === to);
const allPairs = orderStates.flatMap((from) => orderStates.map((to) => [from, to] as const));
const illegal = allPairs.filter(([from, to]) => !isLegal(from, to));

describe('order states', () => {
  it('are exactly the ten lifecycle states', () => {
    expect([...orderStates].sort()).toEqual([...expectedStates].sort());
  });

  it('the expected table covers 16 legal and 84 illegal moves', () => {
    expect(allPairs).toHaveLength(100);
    expect(legal).toHaveLength(16);
    expect(illegal).toHaveLength(84);
  });
});

describe('legal transitions', () => {
  it.each(legal)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });
});

describe('illegal transitions', () => {
  it.each(illegal)('%s → %s is refused', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('no state may go to itself', () => {
    for (const s of orderStates) expect(canTransition(s, s)).toBe(false);
  });

  it('end states have no way out', () => {
    for (const end of ['delivered', 'cancelled', 'expired', 'refunded'] as const) {
      for (const to of orderStates) expect(canTransition(end, to)).toBe(false);
    }
  });

  it('a paid order is cancelled without a refund only once a vehicle is allocated, never expires, and nothing skips the deposit', () => {
    for (const paid of ['deposit_paid', 'refund_requested'] as const) expect(canTransition(paid, 'cancelled')).toBe(false);
    for (const paid of ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'refund_requested'] as const) {
      expect(canTransition(paid, 'expired')).toBe(false);
    }
    for (const later of ['vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'delivered', 'refund_requested', 'refunded'] as const) {
      expect(canTransition('awaiting_deposit', later)).toBe(false);
    }
  });
});

describe('IllegalTransitionError', () => {
  it('carries code, from, to and a log message naming both states', () => {
    let caught: unknown;
    try {
      assertTransition('delivered', 'refund_requested');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toBeInstanceOf(Error);
    const err = caught as IllegalTransitionError;
    expect(err.code).toBe('illegal_transition');
    expect(err.from).toBe('delivered');
    expect(err.to).toBe('refund_requested');
    expect(err.details).toEqual({ from: 'delivered', to: 'refund_requested' });
    expect(err.name).toBe('IllegalTransitionError');
    expect(err.message).toContain('delivered');
    expect(err.message).toContain('refund_requested');
  });

  it('can be built directly', () => {
    const err = new IllegalTransitionError('cancelled', 'deposit_paid');
    expect([err.code, err.from, err.to]).toEqual(['illegal_transition', 'cancelled', 'deposit_paid']);
  });
});

describe('cancellationTarget', () => {
  const expected: Record<OrderState, OrderState | null> = {
    awaiting_deposit: 'cancelled',
    deposit_paid: 'refund_requested',
    vehicle_allocated: 'refund_requested',
    ready_for_delivery: 'refund_requested',
    delivery_scheduled: 'refund_requested',
    delivered: null,
    cancelled: null,
    expired: null,
    refund_requested: null,
    refunded: null,
  };

  it.each(Object.entries(expected))('from %s → %s', (state, target) => {
    expect(cancellationTarget(state as OrderState)).toBe(target);
  });

  it('always names a legal transition, under either refund policy', () => {
    for (const s of orderStates) {
      for (const policy of [undefined, 'until_vin', 'until_delivery'] as const) {
        const target = cancellationTarget(s, policy);
        if (target) expect(isLegal(s, target)).toBe(true);
      }
    }
  });

  // Refunded in full until a VIN is allocated (the default), or until delivery.
  const untilVin: Partial<Record<OrderState, OrderState>> = {
    awaiting_deposit: 'cancelled',
    deposit_paid: 'refund_requested',
    vehicle_allocated: 'cancelled',
    ready_for_delivery: 'cancelled',
    delivery_scheduled: 'cancelled',
  };
  it.each(Object.entries(untilVin))("policy 'until_vin': from %s → %s", (state, target) => {
    expect(cancellationTarget(state as OrderState, 'until_vin')).toBe(target);
  });
  it.each(Object.entries(expected))("policy 'until_delivery': from %s → %s (refundable until delivery)", (state, target) => {
    expect(cancellationTarget(state as OrderState, 'until_delivery')).toBe(target);
  });
  it('depositRefundable follows the policy', () => {
    expect(depositRefundable('until_vin', 'deposit_paid')).toBe(true);
    expect(depositRefundable('until_vin', 'vehicle_allocated')).toBe(false);
    expect(depositRefundable('until_delivery', 'delivery_scheduled')).toBe(true);
    expect(depositRefundable('until_delivery', 'delivered')).toBe(false);
  });
});

describe('booking permissions', () => {
  const paidOpen: Record<OrderState, boolean> = {
    awaiting_deposit: false,
    deposit_paid: true,
    vehicle_allocated: true,
    ready_for_delivery: true,
    delivery_scheduled: true,
    delivered: false,
    cancelled: false,
    expired: false,
    refund_requested: false,
    refunded: false,
  };
  // Delivery is booked once there is a car ready; before that, only a preferred week.
  const delivery: Record<OrderState, boolean> = { ...paidOpen, deposit_paid: false, vehicle_allocated: false };
  const preferWeek: Record<OrderState, boolean> = { ...paidOpen, ready_for_delivery: false, delivery_scheduled: false };
  // A home charger can still be installed after the car has been handed over.
  const installation: Record<OrderState, boolean> = { ...paidOpen, delivered: true };

  it.each(Object.entries(preferWeek))('canPreferWeek(%s) is %s', (state, allowed) => {
    expect(canPreferWeek(state as OrderState)).toBe(allowed);
  });

  it.each(Object.entries(delivery))('canBookDelivery(%s) is %s', (state, allowed) => {
    expect(canBookDelivery(state as OrderState)).toBe(allowed);
  });

  it.each(Object.entries(installation))('canBookInstallation(%s) is %s', (state, allowed) => {
    expect(canBookInstallation(state as OrderState)).toBe(allowed);
  });
});
