import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canBookDelivery,
  canBookInstallation,
  canTransition,
  cancellationTarget,
  IllegalTransitionError,
  orderStates,
  type OrderState,
} from '../../src/domain/orders/transitions.js';
import { AppError } from '../../src/shared/errors.js';

/**
 * The order lifecycle as the business describes it, written out independently of the code's table:
 * pay or let it lapse; once paid, fulfilment moves forward and a cancellation becomes a refund
 * request; a scheduled delivery can be unscheduled (back to ready); end states are final.
 */
const legal: ReadonlyArray<readonly [OrderState, OrderState]> = [
  ['awaiting_deposit', 'deposit_paid'],
  ['awaiting_deposit', 'cancelled'],
  ['awaiting_deposit', 'expired'],
  ['deposit_paid', 'vehicle_allocated'],
  ['deposit_paid', 'refund_requested'],
  ['vehicle_allocated', 'ready_for_delivery'],
  ['vehicle_allocated', 'refund_requested'],
  ['ready_for_delivery', 'delivery_scheduled'],
  ['ready_for_delivery', 'refund_requested'],
  ['delivery_scheduled', 'delivered'],
  ['delivery_scheduled', 'ready_for_delivery'],
  ['delivery_scheduled', 'refund_requested'],
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

  it('the expected table covers 13 legal and 87 illegal moves', () => {
    expect(allPairs).toHaveLength(100);
    expect(legal).toHaveLength(13);
    expect(illegal).toHaveLength(87);
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

  it('a paid order is never simply cancelled or expired, and nothing skips the deposit', () => {
    for (const paid of ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'refund_requested'] as const) {
      expect(canTransition(paid, 'cancelled')).toBe(false);
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

  it('always names a legal transition', () => {
    for (const s of orderStates) {
      const target = cancellationTarget(s);
      if (target) expect(isLegal(s, target)).toBe(true);
    }
  });
});

describe('booking permissions', () => {
  const delivery: Record<OrderState, boolean> = {
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
  // A home charger can still be installed after the car has been handed over.
  const installation: Record<OrderState, boolean> = { ...delivery, delivered: true };

  it.each(Object.entries(delivery))('canBookDelivery(%s) is %s', (state, allowed) => {
    expect(canBookDelivery(state as OrderState)).toBe(allowed);
  });

  it.each(Object.entries(installation))('canBookInstallation(%s) is %s', (state, allowed) => {
    expect(canBookInstallation(state as OrderState)).toBe(allowed);
  });
});
