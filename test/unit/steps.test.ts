/**
 * Typed conversation steps: every step's data has a schema (src/bot/features/<area>/steps.ts),
 * `ctx.go` takes only a known step with data of its schema's type, and a stored state is checked
 * against the schema when it is loaded. The `@ts-expect-error` lines are checked by
 * `tsc --noEmit -p .` (tsconfig.json includes test/): each fails the type check if it compiles.
 */
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { BotContext } from '../../src/bot/context.js';
import { createStepRegistry } from '../../src/bot/index.js';
import { leaveStaleStep, type StepData, type StepName } from '../../src/bot/steps.js';
import { bookingStepSchemas } from '../../src/bot/features/booking/steps.js';
import { campaignStepSchemas } from '../../src/bot/features/campaigns/steps.js';
import { catalogStepSchemas } from '../../src/bot/features/catalog/steps.js';
import { depositStepSchemas } from '../../src/bot/features/deposit/steps.js';
import { menuStepSchemas } from '../../src/bot/features/menu/steps.js';
import { opsStepSchemas } from '../../src/bot/features/ops/steps.js';
import { orderStepSchemas } from '../../src/bot/features/order/steps.js';
import { settingsStepSchemas } from '../../src/bot/features/settings/steps.js';
import { storeStepSchemas } from '../../src/bot/features/store/steps.js';

const cfg = { modelId: 'model-y', trimId: 'my-lr', paintId: 'my-paint-red', wheelsId: 'my-wheels-20', interiorId: 'my-int-white' };

/** Never called: only type-checked. */
export function goTyping(ctx: BotContext) {
  ctx.go('menu', {});
  ctx.go('config.paint', { cfg: { modelId: 'model-y', trimId: 'my-lr' } });
  ctx.go('order.phone', { cfg, contactName: 'Zhang Wei' });
  ctx.go('booking.day', { orderId: 7, kind: 'delivery', method: 'pickup' });

  // @ts-expect-error a step that does not exist
  ctx.go('order.telephone', { cfg, contactName: 'Zhang Wei' });
  // @ts-expect-error data is required (it replaces the previous step's)
  ctx.go('order.phone');
  // @ts-expect-error the contact name is missing
  ctx.go('order.phone', { cfg });
  // @ts-expect-error an order is placed with a complete configuration only
  ctx.go('order.name', { cfg: { modelId: 'model-y' } });
  // @ts-expect-error the order id is a number
  ctx.go('deposit', { orderId: '42' });
  // @ts-expect-error a property the step does not have
  ctx.go('deposit', { orderId: 42, storeOrderId: 43 });
  // @ts-expect-error the menu carries no data
  ctx.go('menu', { orderId: 42 });
  // @ts-expect-error not a booking kind
  ctx.go('booking.day', { orderId: 7, kind: 'pickup' });
  // @ts-expect-error a campaign draft without its segment
  ctx.go('campaign.locale', { draft: { variants: [], current: 'en', scheduledAt: null } });
  // @ts-expect-error one of two steps: the data must fit both
  ctx.go(Math.random() < 0.5 ? 'menu' : 'deposit', { orderId: 42 });

  // @ts-expect-error a misspelt step never equals the chat's step
  if (ctx.session.step === 'order.phnoe') return;
}

/** Never called: only type-checked. */
export function readTyping(ctx: BotContext) {
  expectTypeOf(ctx.stepData('deposit')).toEqualTypeOf<{ orderId: number; invoiceMessageId?: number | undefined } | null>();
  expectTypeOf(ctx.stepData('ops.vin', 'store.ops.tracking')).toEqualTypeOf<{ orderId: number } | { storeOrderId: number } | null>();
  const asked = ctx.stepData('order.phone');
  if (asked) {
    expectTypeOf(asked.contactName).toBeString();
    // The phone is asked on this step: there only when changed from the confirmation screen.
    expectTypeOf(asked.phone).toEqualTypeOf<string | undefined>();
    // @ts-expect-error the deposit step's data is not the phone step's
    void asked.orderId;
  }
  // @ts-expect-error no such step
  ctx.stepData('orders.list');
  expectTypeOf<StepData<'store.list'>['category']>().toEqualTypeOf<'charging' | 'accessories' | 'apparel'>();
}

describe('the step registry', () => {
  const steps = createStepRegistry();
  const state = (step: string, data: Record<string, unknown>) => ({ step, data, menuMessageId: 12, menuPhoto: null });

  it('loads a state whose data fits its step, parsed', () => {
    const loaded = steps.load(state('order.phone', { cfg, contactName: 'Zhang Wei' }));
    expect(loaded).toEqual({ ok: true, state: state('order.phone', { cfg, contactName: 'Zhang Wei' }) });
    expect(steps.load(state('menu', {})).ok).toBe(true);
  });

  it('refuses a step that does not exist', () => {
    expect(steps.load(state('checkout.legacy', { basket: 3 }))).toEqual({ ok: false, step: 'checkout.legacy', reason: 'unknown_step', issues: [] });
  });

  it('refuses data that does not fit, naming the paths and codes but not the values', () => {
    const loaded = steps.load(state('order.city', { cfg: { ...cfg, paintId: undefined }, contactName: 'Zhang Wei', phone: 13800138000 }));
    expect(loaded).toEqual({
      ok: false,
      step: 'order.city',
      reason: 'invalid_data',
      issues: [
        { path: 'cfg.paintId', code: 'invalid_type' },
        { path: 'phone', code: 'invalid_type' },
      ],
    });
    expect(JSON.stringify(loaded)).not.toContain('13800138000');
  });

  it('a booking draft books for exactly one order', () => {
    expect(steps.load(state('booking.day', { orderId: 7, kind: 'delivery' })).ok).toBe(true);
    expect(steps.load(state('booking.day', { storeOrderId: 8, kind: 'installation', city: 'shanghai' })).ok).toBe(true);
    expect(steps.load(state('booking.day', { kind: 'delivery' })).ok).toBe(false);
    expect(steps.load(state('booking.day', { storeOrderId: 8, kind: 'delivery' })).ok).toBe(false);
    expect(steps.load(state('booking.day', { orderId: 7, storeOrderId: 8, kind: 'installation' })).ok).toBe(false);
  });

  it("has every area's steps, each name once, each with a renderer", () => {
    const areas = [
      menuStepSchemas,
      settingsStepSchemas,
      catalogStepSchemas,
      orderStepSchemas,
      depositStepSchemas,
      bookingStepSchemas,
      storeStepSchemas,
      opsStepSchemas,
      campaignStepSchemas,
    ];
    const names = areas.flatMap((a) => Object.keys(a));
    expect(new Set(names).size).toBe(names.length);
    for (const step of names) expect(typeof steps.renderer(step as StepName)).toBe('function');
  });
});

describe('leaveStaleStep', () => {
  it('logs a warning with the step and the failing paths, never the data', async () => {
    const steps = createStepRegistry();
    const loaded = steps.load({ step: 'deposit', data: { orderId: 'TJ100042', secret: '13800138000' }, menuMessageId: null, menuPhoto: null });
    if (loaded.ok) throw new Error('expected a stale state');
    const warn = vi.fn();
    // No customer on this update (a payment query, say): logged and marked for saving, not answered.
    const ctx = { log: { warn }, customer: null, supportConversationId: null, sessionDirty: false } as unknown as BotContext;
    expect(await leaveStaleStep(ctx, loaded)).toBe(false);
    expect(ctx.sessionDirty).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    const [fields, message] = warn.mock.calls[0]!;
    expect(fields).toEqual({ step: 'deposit', reason: 'invalid_data', issues: [{ path: 'orderId', code: 'invalid_type' }] });
    expect(message).toMatch(/stale/);
    expect(JSON.stringify(warn.mock.calls)).not.toMatch(/TJ100042|13800138000/);
  });
});
