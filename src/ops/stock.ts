import type { CatalogAuditRow } from '../db/schema/index.js';
import { importDeliveryCsv, parseUnits, parseYuan, StockError, type StockProduct } from '../domain/stock/index.js';
import { plainText } from '../telegram/screens/ops.js';
import { modelDoneText, stockDoneText, stockErrorText } from '../telegram/screens/catalog-ops.js';
import { deliveryLimits } from '../telegram/screens/stock-import.js';
import type { CliContext } from './context.js';

/**
 * `npm run ops -- stock …`: the catalog without SQL from the command line, the same changes as
 * /stock in the bot (StockService, audited with `cli:<os user>`). Human lines by default, one JSON
 * document with --json. Exit 0 done, 1 refused.
 */

/** Each subcommand and the numbers of arguments it takes. */
const SUBCOMMANDS: Record<string, readonly number[]> = {
  list: [0],
  product: [1],
  restock: [2],
  set: [2],
  price: [2],
  threshold: [2],
  hide: [1],
  unhide: [1],
  model: [2],
  import: [1],
  history: [0, 1],
};

export const stockArgsOk = (args: string[]): boolean => {
  const [sub, ...rest] = args;
  return !!sub && Object.hasOwn(SUBCOMMANDS, sub) && SUBCOMMANDS[sub]!.includes(rest.length) && (sub !== 'model' || ['available', 'paused'].includes(rest[1]!));
};

function out(c: CliContext, human: string[], json: object): number {
  if (c.json) c.io.out(JSON.stringify({ ok: true, ...json }, null, 2));
  else for (const line of human) c.io.out(line);
  return 0;
}

function refuse(c: CliContext, code: string, message: string, extra: object = {}): number {
  if (c.json) c.io.out(JSON.stringify({ ok: false, error: { code, message }, ...extra }, null, 2));
  else c.io.err(message);
  return 1;
}

const productLines = (c: CliContext, p: StockProduct): string[] => [
  c.f.t('catalogOps.cli.product_line', { id: p.id, name: c.f.plain(p.name), hidden: p.hidden ? c.f.t('catalogOps.cli.hidden_mark') : '' }),
  ...p.variants.map((v) =>
    c.f.t('catalogOps.cli.variant_line', {
      id: v.id,
      name: c.f.plain(v.name),
      price: c.f.money(v.priceFen),
      stock: v.stock,
      held: v.held,
      threshold: v.threshold,
      hidden: v.hidden ? c.f.t('catalogOps.cli.hidden_mark') : '',
    }),
  ),
];

const historyJson = (r: CatalogAuditRow) => ({ ...r, at: r.at.toISOString() });

export async function stockCommand(c: CliContext, args: string[]): Promise<number> {
  const [sub = '', a = '', b = ''] = args;
  const svc = c.services.stock;
  const failed = (err: unknown, id: string) => {
    if (!(err instanceof StockError)) throw err;
    return refuse(c, err.code, plainText(stockErrorText(c.f, err, id)), { details: err.details });
  };
  const units = (text: string) => {
    const n = parseUnits(text);
    return n === null ? refuse(c, 'bad_quantity', plainText(c.f.t('catalogOps.ask.not_a_number'))) : { n };
  };
  try {
    switch (sub) {
      case 'list': {
        const products = await svc.products();
        const models = await svc.models();
        const lines = [...products.flatMap((p) => productLines(c, p)), '', ...models.map((m) => modelLine(c, m))];
        return out(c, lines, { products, models });
      }
      case 'product': {
        const product = await svc.product(a);
        if (!product) return refuse(c, 'unknown_product', plainText(c.f.t('catalogOps.errors.unknown_product', { id: a })));
        return out(c, productLines(c, product), { product });
      }
      case 'restock':
      case 'set':
      case 'threshold': {
        const n = units(b);
        if (typeof n === 'number') return n;
        const change = sub === 'restock' ? await svc.restock(a, n.n, c.actor) : sub === 'set' ? await svc.setStock(a, n.n, c.actor) : await svc.setThreshold(a, n.n, c.actor);
        return out(c, [plainText(stockDoneText(c.f, sub, change, sub === 'restock' ? n.n : undefined))], {
          variant: a,
          field: sub === 'threshold' ? 'threshold' : 'stock',
          ...change,
        });
      }
      case 'price': {
        const fen = parseYuan(b);
        if (fen === null) return refuse(c, 'bad_price', plainText(c.f.t('catalogOps.ask.not_a_price')));
        const change = await svc.setPrice(a, fen, c.actor);
        return out(c, [plainText(stockDoneText(c.f, 'price', change))], { variant: a, field: 'price', beforeFen: change.before, afterFen: change.after });
      }
      case 'hide':
      case 'unhide': {
        const hidden = sub === 'hide';
        const kind = (await svc.product(a)) ? 'product' : 'variant';
        const change = await svc.setHidden(kind, a, hidden, c.actor);
        return out(c, [plainText(c.f.t(hidden ? 'catalogOps.done.hidden' : 'catalogOps.done.shown'))], { [kind]: a, field: 'hidden', ...change });
      }
      case 'model': {
        const available = b === 'available';
        const change = await svc.setModelAvailable(a, available, c.actor);
        const name = (await svc.models()).find((m) => m.id === a)?.name ?? a;
        return out(c, [plainText(modelDoneText(c.f, name, change))], { model: a, field: 'available', ...change });
      }
      case 'import':
        return await importDelivery(c, a);
      case 'history': {
        const rows = await svc.history(a ? { id: a, limit: 50 } : { limit: 50 });
        const lines = rows.map((r) =>
          c.f.t('catalogOps.cli.history_line', {
            at: r.at.toISOString(),
            actor: r.actor,
            entity: r.entity,
            id: r.entityId,
            field: r.field,
            before: JSON.stringify(r.before),
            after: JSON.stringify(r.after),
            note: r.note ? ` (${r.note})` : '',
          }),
        );
        return out(c, lines, { history: rows.map(historyJson) });
      }
      default:
        return refuse(c, 'usage', c.f.t('catalogOps.cli.usage'));
    }
  } catch (err) {
    return failed(err, a);
  }
}

const modelLine = (c: CliContext, m: { id: string; name: string; available: boolean }) =>
  c.f.t('catalogOps.cli.model_line', { id: m.id, name: m.name, state: c.f.t(m.available ? 'catalogOps.model.available' : 'catalogOps.model.paused') });

/** A delivery from a CSV (header variant,qty, other columns ignored): every line reported; nothing applied on a bad one. */
async function importDelivery(c: CliContext, file: string): Promise<number> {
  let text: string;
  try {
    text = await c.readFile(file);
  } catch (err) {
    return refuse(c, 'file_unreadable', c.f.t('ops.cli.file_unreadable', { file, message: (err as Error).message }));
  }
  const done = await importDeliveryCsv(c.services.stock, text, c.actor, `csv ${file.split('/').at(-1)}`);
  if (done.refused) return refuse(c, done.refused, c.f.t(`catalogOps.cli.import_${done.refused}`, { file, ...deliveryLimits(c.f) }));
  const { applied, results } = done;
  const bad = results.filter((r) => r.status === 'error').length;
  if (c.json) {
    c.io.out(JSON.stringify({ ok: applied, applied, failed: bad, results }, null, 2));
  } else {
    for (const r of results) {
      if (r.status === 'error') {
        const err = new StockError(r.error!.code);
        c.io.out(c.f.t('catalogOps.cli.import_line_error', { line: r.line, variant: r.variantId, error: plainText(stockErrorText(c.f, err, r.variantId)) }));
      } else if (r.status === 'restocked') c.io.out(c.f.t('catalogOps.cli.import_line_ok', { line: r.line, variant: r.variantId, qty: r.qty, before: r.before, after: r.after }));
      else c.io.out(c.f.t('catalogOps.cli.import_line_valid', { line: r.line, variant: r.variantId, qty: r.qty }));
    }
    c.io.out(c.f.t(applied ? 'catalogOps.cli.import_applied' : 'catalogOps.cli.import_refused', { count: applied ? results.length : bad }));
  }
  return applied ? 0 : 1;
}
