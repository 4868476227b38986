import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: (process.env.SMOKE_MODE as 'webhook') ?? 'polling' });
});
afterAll(async () => {
  await h?.stop();
});

it('smoke: start, browse, configure, order, pay', async () => {
  const c = new TestChat(h, 5001, { languageCode: 'en' });
  await c.text('/start');
  console.log(c.lastText(), c.buttonLabels());
  await c.tap('Browse models');
  console.log(c.lastText(), c.buttonLabels());
  await c.tap('Model Y');
  console.log(c.lastText(), c.buttonLabels());
  await c.tap('Configure');
  await c.tap('Long Range');
  await c.tap('Ultra Red');
  await c.tap('20"');
  await c.tap('white');
  console.log(c.lastText(), c.buttonLabels());
  await c.tap('Order');
  console.log(c.lastText());
  await c.text('Zhang Wei');
  console.log(c.lastText());
  await c.text('138 0013 8000');
  console.log(c.lastText(), c.buttonLabels());
  await c.tap('Shanghai');
  console.log(c.messages().map((m) => m.text));
  const paid = await c.pay();
  console.log(paid.approved, c.lastText(), c.buttonLabels());
  await c.tap('Book delivery');
  console.log(c.lastText(), c.buttonLabels());
  expect(paid.approved).toBe(true);
});
