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
import { inboxCommand } from './inbox.js';
import { stockArgsOk, stockCommand } from './stock.js';
import type { CliContext, CliIo } from './context.js';
import { addDays, zonedDayStart } from '../shared/time.js';
import { parseArgs as parseArgv } from 'node:util';

/**
 * `npm run ops -- <command>`: the ops bot's actions for scripts. Human-readable by default (the
 * same texts as the bot, without HTML), one JSON document on stdout with `--json`.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Each command and how many arguments it takes. */
const COMMANDS = { list: 0, show: 1, allocate: 2, ready: 1, delivered: 1, refunded: 1, installed: 1, 'import-vins': 1, shipped: 1, inbox: 1, stock: 1 } as const;
/** `inbox list`, or `inbox show|retry|drop <update id>`. */
const inboxArgsOk = (args: string[]) => (args.length === 1 && args[0] === 'list') || (args.length === 2 && ['show', 'retry', 'drop'].includes(args[0]!));
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

/** The options node's parser is told about; anything else starting with `--` is a usage error. */
const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  lang: { type: 'string' },
  // Store orders: `shipped S10001 --carrier JD --tracking JDV123456789` (see src/ops/store.ts).
  carrier: { type: 'string' },
  tracking: { type: 'string' },
} as const;

/**
 * `--json`, `--lang en|zh-CN` (or `--lang=…`), `-h/--help`, then the command and its arguments,
 * options and arguments in any order. node's `util.parseArgs` splits the line (not strict: the
 * first bad option is reported here, in the user's language). Its extras are not part of the
 * syntax: a `-x` other than `-h` (e.g. `-hx`, `-5`) is an argument, `--json=…`/`--help=…` and a
 * lone `--` are bad options, and options go on being read after `--`.
 */
export function parseArgs(argv: string[], tFor: (lang: Locale) => TFunction): ParsedArgs {
  const out: ParsedArgs = { json: false, lang: 'en', help: false, command: null, args: [], problem: null };
  const rest: string[] = [];
  let badOption: string | null = null;
  const shipping: { carrier?: string; tracking?: string } = {};
  for (let from = 0; from < argv.length;) {
    const { tokens } = parseArgv({ args: argv.slice(from), options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    let next = argv.length;
    let lastShort = -1;
    for (const token of tokens) {
      if (token.kind === 'positional') {
        rest.push(token.value);
        continue;
      }
      const at = from + token.index;
      if (token.kind === 'option-terminator') {
        badOption ??= '--';
        next = at + 1; // read what follows as options again
        break;
      }
      const raw = argv[at]!;
      if (!raw.startsWith('--')) {
        // A short option (or a group of them, one token each): only `-h` itself is one.
        if (raw === '-h') out.help = true;
        else if (at !== lastShort) rest.push(raw);
        lastShort = at;
      } else if (token.name === 'carrier' || token.name === 'tracking') {
        // The value after `=`, or the next argument, which must not be an option.
        if (token.value && !token.value.startsWith('--')) shipping[token.name] = token.value;
        else badOption ??= raw;
      } else if (token.name === 'lang') {
        if (token.value === 'en' || token.value === 'zh-CN') out.lang = token.value;
        else badOption ??= `${raw} ${token.value ?? ''}`.trim();
      } else if ((token.name === 'json' || token.name === 'help') && token.value === undefined) {
        out[token.name] = true;
      } else badOption ??= raw;
    }
    from = next;
  }
  const t = tFor(out.lang);
  const [command, ...args] = rest;
  const problem = (text: string) => t('ops.cli.bad_usage', { problem: text });
  if (badOption) out.problem = problem(t('ops.cli.bad_option', { option: badOption }));
  else if (!command)
    return out; // the caller prints the usage
  else if (!isCommand(command)) out.problem = problem(t('ops.cli.unknown_command', { command }));
  else if (command === 'shipped' && (args.length !== 1 || !shipping.carrier || !shipping.tracking)) out.problem = problem(t('store.cli.shipped_usage'));
  else if (command === 'stock' && !stockArgsOk(args)) out.problem = problem(t('catalogOps.cli.bad_usage', { usage: t('catalogOps.cli.usage') }));
  else if (command !== 'stock' && (command === 'inbox' ? !inboxArgsOk(args) : args.length !== COMMANDS[command]))
    out.problem = problem(t('ops.cli.wrong_args', { command, expected: t(`ops.cli.args.${command}`) }));
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
  // Cities customers asked for that have no delivery yet ("tell me when delivery opens here").
  const waitlist = await c.services.orders.waitlist();
  if (waitlist.length) {
    lines.push(plainText(c.f.t('ops.list.waitlist')));
    for (const w of waitlist) lines.push(`  ${w.city} · ${c.f.t('ops.list.waitlist_customers', { count: w.customers })}`);
  }
  return done(c, lines, {
    ...worklistJson(wl),
    waitlist,
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
    case 'inbox':
      return inboxCommand(c, a, b);
    case 'stock':
      return stockCommand(c, args);
  }
}
