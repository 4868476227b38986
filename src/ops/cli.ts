import { orderCardText, plainText, worklistSections } from '../telegram/screens/ops.js';
import { mergeRefunds } from '../telegram/screens/payments.js';
import { PaymentRefundError } from '../domain/payments/index.js';
import type { Locale } from '../domain/customers/service.js';
import type { TFunction } from '../i18n.js';
import { explainOpsError } from '../telegram/screens/ops-errors.js';
import { importVins } from './import-vins.js';
import { installationJson, orderJson, orderViewJson, worklistJson } from './json.js';
import { findOrder, loadOrderView, nextActions } from '../domain/fulfilment/order-view.js';
import { isStoreRef, storeStep } from './store.js';
import type { CliContext, CliIo } from './context.js';
import { addDays, zonedDayStart } from '../shared/time.js';

/**
 * `npm run ops -- <command>`: the ops bot's actions for scripts. Human-readable by default (the
 * same texts as the bot, without HTML), one JSON document on stdout with `--json`.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Each command and how many arguments it takes. */
const COMMANDS = { list: 0, show: 1, allocate: 2, ready: 1, delivered: 1, refunded: 1, installed: 1, 'import-vins': 1, shipped: 1 } as const;
export type Command = keyof typeof COMMANDS;
const isCommand = (c: string): c is Command => Object.hasOwn(COMMANDS, c);

export interface ParsedArgs {
  json: boolean;
  lang: Locale;
  help: boolean;
  command: Command | null;
  args: string[];
  /** A usage error, already in words. */
  problem: string | null;
}

/** `--json`, `--lang en|zh-CN` (or `--lang=…`), `-h/--help`, then the command and its arguments. */
export function parseArgs(argv: string[], tFor: (lang: Locale) => TFunction): ParsedArgs {
  const out: ParsedArgs = { json: false, lang: 'en', help: false, command: null, args: [], problem: null };
  const rest: string[] = [];
  let badOption: string | null = null;
  // Store orders: `shipped S10001 --carrier JD --tracking JDV123456789` (see src/ops/store.ts).
  const shipping: { carrier?: string; tracking?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const storeOption = /^--(carrier|tracking)(?:=(.*))?$/.exec(a);
    if (storeOption) {
      const value = storeOption[2] ?? argv[++i];
      if (value && !value.startsWith('--')) shipping[storeOption[1] as 'carrier' | 'tracking'] = value;
      else badOption ??= a;
    } else if (a === '--json') out.json = true;
    else if (a === '-h' || a === '--help') out.help = true;
    else if (a === '--lang' || a.startsWith('--lang=')) {
      const value = a === '--lang' ? argv[++i] : a.slice('--lang='.length);
      if (value === 'en' || value === 'zh-CN') out.lang = value;
      else badOption ??= `${a} ${value ?? ''}`.trim();
    } else if (a.startsWith('--')) badOption ??= a;
    else rest.push(a);
  }
  const t = tFor(out.lang);
  const [command, ...args] = rest;
  const problem = (text: string) => t('ops.cli.bad_usage', { problem: text });
  if (badOption) out.problem = problem(t('ops.cli.bad_option', { option: badOption }));
  else if (!command)
    return out; // the caller prints the usage
  else if (!isCommand(command)) out.problem = problem(t('ops.cli.unknown_command', { command }));
  else if (command === 'shipped' && (args.length !== 1 || !shipping.carrier || !shipping.tracking)) out.problem = problem(t('store.cli.shipped_usage'));
  else if (args.length !== COMMANDS[command]) out.problem = problem(t('ops.cli.wrong_args', { command, expected: t(`ops.cli.args.${command}`) }));
  else {
    out.command = command;
    out.args = command === 'shipped' ? [...args, shipping.carrier!, shipping.tracking!] : args;
  }
  return out;
}

export type { CliContext, CliIo };

/** Success: the human line(s), or the JSON document. */
function done(c: CliContext, human: string[], json: object): number {
  if (c.json) c.io.out(JSON.stringify(json, null, 2));
  else for (const line of human) c.io.out(line);
  return EXIT.ok;
}

/** A refusal: the reason on stderr, or `{ ok: false, error }` on stdout for scripts. */
function refused(c: CliContext, code: string, message: string, extra: object = {}): number {
  if (c.json) c.io.out(JSON.stringify({ ok: false, error: { code, message }, ...extra }, null, 2));
  else c.io.err(message);
  return EXIT.failed;
}

async function list(c: CliContext): Promise<number> {
  const wl = await c.services.fulfilment.worklist();
  // Store orders' chargers (no car order) are listed with the week's installations, as in the bot.
  const today = zonedDayStart(new Date(), c.f.timeZone);
  const storeInstalls = await c.services.bookings.storeInstallationsDue(today, addDays(today, 7, c.f.timeZone));
  // Payments that could not be applied (car deposits and store payments), each until `refunded <order>`.
  const refunds = mergeRefunds(await c.services.payments.refundsDue(), await c.services.storeCheckout.refundsDue());
  const lines = [plainText(c.f.t('ops.list.title')), ''];
  for (const s of worklistSections(c.f, wl, Infinity, storeInstalls, refunds)) {
    lines.push(plainText(s.title));
    for (const e of s.entries) {
      const ref = e.refundOf !== undefined ? e.refundOf : e.installationId !== undefined ? c.f.t('ops.cli.installation_ref', { id: e.installationId }) : `#${e.orderId}`;
      lines.push(`  ${e.label}  [${ref}]`);
    }
  }
  return done(c, lines, {
    ...worklistJson(wl),
    refunds: refunds.map((r) => ({
      kind: r.kind,
      order: { id: r.order.id, number: r.order.number, state: r.order.state },
      paymentId: r.payment.id,
      amountFen: r.payment.amountFen,
      currency: r.payment.currency,
      problem: r.payment.problem,
      payerTelegramId: r.payment.payerTelegramId,
      telegramChargeId: r.payment.telegramPaymentChargeId,
      providerChargeId: r.payment.providerPaymentChargeId,
      paidAt: r.payment.createdAt.toISOString(),
    })),
    storeInstallations: storeInstalls.map((i) => ({
      storeOrder: { id: i.storeOrder.id, number: i.storeOrder.number },
      installationId: i.installation.id,
      address: i.installation.address,
      startsAt: i.slot.startsAt.toISOString(),
      endsAt: i.slot.endsAt.toISOString(),
    })),
  });
}

async function show(c: CliContext, ref: string): Promise<number> {
  const order = await findOrder(c.services, ref);
  if (!order) return refused(c, 'order_not_found', plainText(c.f.t('ops.errors.order_not_found', { ref })));
  const view = await loadOrderView(c.services, order);
  const next = nextActions(view).map((a) => c.f.t(`ops.cli.next.${a.kind}`, { number: order.number, id: a.kind === 'installed' ? a.installationId : '' }));
  return done(c, [plainText(orderCardText(c.f, view)), ...(next.length ? ['', ...next] : [])], orderViewJson(view));
}

/** allocate / ready / delivered on one order. */
async function orderStep(c: CliContext, command: 'allocate' | 'ready' | 'delivered' | 'refunded', ref: string, vin = ''): Promise<number> {
  const { fulfilment } = c.services;
  const order = await findOrder(c.services, ref);
  if (!order) return refused(c, 'order_not_found', plainText(c.f.t('ops.errors.order_not_found', { ref })));
  try {
    let message: string;
    let updated;
    if (command === 'allocate') {
      updated = await fulfilment.allocate(order.id, vin, c.actor);
      message = c.f.t('ops.done.allocated', { number: updated.number, vin: updated.vin });
    } else if (command === 'ready') {
      updated = await fulfilment.markReady(order.id, c.actor);
      message = c.f.t(updated.state === 'delivery_scheduled' ? 'ops.done.ready_scheduled' : 'ops.done.ready', { number: updated.number });
    } else if (command === 'refunded') {
      // Payments kept for a refund (not applied to the order) first; then a refund_requested order
      // itself. With neither, markRefunded refuses as before (the order is in the wrong state).
      const marked = await c.services.payments.markRefunded({ orderId: order.id }, c.actor).catch((err: unknown) => {
        if (err instanceof PaymentRefundError) return [];
        throw err;
      });
      const lines: string[] = [];
      if (marked.length > 0) {
        const amount = c.f.money(marked.reduce((sum, p) => sum + p.amountFen, 0));
        lines.push(c.f.t('payments.ops.cli_done', { number: order.number, count: marked.length, amount }));
      }
      const current = (await c.services.orders.byId(order.id)) ?? order;
      if (marked.length === 0 || current.state === 'refund_requested') {
        updated = await fulfilment.markRefunded(order.id, c.actor);
        lines.push(c.f.t('ops.done.refunded', { number: updated.number, deposit: c.f.money(updated.depositFen) }));
      } else updated = current;
      message = lines.join('\n');
    } else {
      updated = await fulfilment.markDelivered(order.id, c.actor);
      message = c.f.t('ops.done.delivered', { number: updated.number });
    }
    return done(c, [plainText(message)], { ok: true, order: orderJson(updated) });
  } catch (err) {
    const explained = await explainOpsError(c.services, c.f, err, { orderId: order.id, vin });
    if (explained === null) throw err;
    const current = await c.services.orders.byId(order.id);
    return refused(c, (err as { code: string }).code, plainText(explained), current ? { order: orderJson(current) } : {});
  }
}

async function installed(c: CliContext, idArg: string): Promise<number> {
  const id = /^\d{1,9}$/.test(idArg) ? Number(idArg) : 0;
  const installation = id > 0 ? await c.services.fulfilment.installation(id) : null;
  if (!installation) return refused(c, 'installation_not_found', plainText(c.f.t('ops.errors.installation_not_found', { id: idArg })));
  try {
    const updated = await c.services.fulfilment.markInstalled(installation.id, c.actor);
    const order = updated.orderId !== null ? await c.services.orders.byId(updated.orderId) : null;
    // A store order's charger (Wall Connector without a car order) is named by the store order.
    const storeOrder = updated.storeOrderId !== null ? await c.services.storeCheckout.byId(updated.storeOrderId) : null;
    return done(c, [plainText(c.f.t('ops.done.installed', { number: order?.number ?? storeOrder?.number ?? '' }))], {
      ok: true,
      installation: installationJson(updated),
      order: order ? orderJson(order) : null,
    });
  } catch (err) {
    const explained = await explainOpsError(c.services, c.f, err, { orderId: installation.orderId ?? undefined, installationId: installation.id });
    if (explained === null) throw err;
    return refused(c, (err as { code: string }).code, plainText(explained));
  }
}

async function importFile(c: CliContext, file: string): Promise<number> {
  let text: string;
  try {
    text = await c.readFile(file);
  } catch (err) {
    return refused(c, 'file_unreadable', c.f.t('ops.cli.file_unreadable', { file, message: (err as Error).message }));
  }
  const results = await importVins(c.services, c.f, text, c.actor);
  if (!results) return refused(c, 'bad_header', c.f.t('ops.cli.import_bad_header', { file }));
  const failed = results.filter((r) => !r.ok).length;
  const summary = { ok: failed === 0, succeeded: results.length - failed, failed, results };
  if (c.json) {
    c.io.out(JSON.stringify(summary, null, 2));
  } else {
    for (const r of results) {
      if (r.status === 'error') c.io.out(c.f.t('ops.cli.import_error', { line: r.line, error: r.error?.message ?? '' }));
      else c.io.out(c.f.t(r.status === 'allocated' ? 'ops.cli.import_ok' : 'ops.cli.import_unchanged', { line: r.line, number: r.number, vin: r.vin }));
    }
    c.io.out(c.f.t('ops.cli.import_summary', { ok: summary.succeeded, failed }));
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}

/** Runs one parsed command; returns the process exit code. Unexpected errors (no database) throw. */
export async function runCommand(c: CliContext, command: Command, args: string[]): Promise<number> {
  const [a = '', b = ''] = args;
  switch (command) {
    case 'list':
      return list(c);
    case 'show':
      return show(c, a);
    case 'allocate':
      return orderStep(c, 'allocate', a, b);
    case 'ready':
    case 'delivered':
    case 'refunded':
      if ((command === 'delivered' || command === 'refunded') && isStoreRef(a)) return storeStep(c, command, a);
      return orderStep(c, command, a);
    case 'shipped':
      return storeStep(c, 'shipped', a, b, args[2] ?? '');
    case 'installed':
      return installed(c, a);
    case 'import-vins':
      return importFile(c, a);
  }
}
