import type { CarModel, CarOption, OptionKind, Trim } from '../../db/schema/index.js';
import type { OrderSnapshot } from '../../db/schema/orders.js';
import { AppError } from '../../shared/errors.js';

/** The choices a customer has made so far while configuring; ids only, prices come from the catalog. */
export interface Configuration {
  modelId: string;
  trimId?: string;
  paintId?: string;
  wheelsId?: string;
  interiorId?: string;
}

export const configSteps = ['trim', 'paint', 'wheels', 'interior'] as const;
export type ConfigStep = (typeof configSteps)[number];

export interface ModelCatalog {
  model: CarModel;
  trims: Trim[];
  options: CarOption[];
}

export interface PriceLine {
  kind: 'trim' | OptionKind;
  id: string;
  name: { 'zh-CN': string; en: string };
  priceFen: number;
}

/** Options of one kind offered on a trim, cheapest (usually the free one) first as listed. */
export function optionsFor(cat: ModelCatalog, kind: OptionKind, trimId: string): CarOption[] {
  return cat.options.filter((o) => o.kind === kind && (o.trimIds.length === 0 || o.trimIds.includes(trimId)));
}

const optionKey = { paint: 'paintId', wheels: 'wheelsId', interior: 'interiorId' } as const;

/**
 * Checks every chosen id against the model (an id from another model or trim is refused) and
 * returns the price lines so far. Throws AppError('invalid_configuration') on a mismatch.
 */
export function priceLines(cat: ModelCatalog, cfg: Configuration): PriceLine[] {
  if (cfg.modelId !== cat.model.id) throw new AppError('invalid_configuration', 'model mismatch');
  const lines: PriceLine[] = [];
  if (!cfg.trimId) {
    if (cfg.paintId || cfg.wheelsId || cfg.interiorId) throw new AppError('invalid_configuration', 'options before a trim');
    return lines;
  }
  const trim = cat.trims.find((t) => t.id === cfg.trimId);
  if (!trim) throw new AppError('invalid_configuration', `trim ${cfg.trimId} not on ${cat.model.id}`);
  lines.push({ kind: 'trim', id: trim.id, name: trim.name, priceFen: trim.priceFen });
  for (const kind of ['paint', 'wheels', 'interior'] as const) {
    const id = cfg[optionKey[kind]];
    if (!id) continue;
    const option = optionsFor(cat, kind, trim.id).find((o) => o.id === id);
    if (!option) throw new AppError('invalid_configuration', `${kind} ${id} not offered on ${trim.id}`);
    lines.push({ kind, id: option.id, name: option.name, priceFen: option.priceFen });
  }
  return lines;
}

export const totalFen = (lines: PriceLine[]): number => lines.reduce((sum, l) => sum + l.priceFen, 0);

/** The lowest price a model can be ordered at (its cheapest trim with the free options). */
export function startingPriceFen(cat: ModelCatalog): number {
  return Math.min(
    ...cat.trims.map(
      (t) => t.priceFen + (['paint', 'wheels', 'interior'] as const).reduce((sum, kind) => sum + Math.min(...optionsFor(cat, kind, t.id).map((o) => o.priceFen)), 0),
    ),
  );
}

/** The next unanswered step, or null when the configuration is complete. */
export function nextStep(cfg: Configuration): ConfigStep | null {
  if (!cfg.trimId) return 'trim';
  if (!cfg.paintId) return 'paint';
  if (!cfg.wheelsId) return 'wheels';
  if (!cfg.interiorId) return 'interior';
  return null;
}

/** Clears a step's answer and everything after it (changing the trim may invalidate the wheels). */
export function resetFrom(cfg: Configuration, step: ConfigStep): Configuration {
  const order: Array<keyof Configuration> = ['trimId', 'paintId', 'wheelsId', 'interiorId'];
  const from = order.indexOf(`${step}Id` as keyof Configuration);
  const next: Configuration = { ...cfg };
  for (const key of order.slice(from)) delete next[key];
  return next;
}

/** Freezes a complete configuration with today's prices, for the order row. */
export function snapshot(cat: ModelCatalog, cfg: Configuration): { snapshot: OrderSnapshot; totalFen: number } {
  if (nextStep(cfg) !== null) throw new AppError('invalid_configuration', 'configuration incomplete');
  const lines = priceLines(cat, cfg);
  const [trim, ...options] = lines as [PriceLine, ...PriceLine[]];
  return {
    snapshot: {
      modelId: cat.model.id,
      modelName: cat.model.name,
      trim: { id: trim.id, name: trim.name, priceFen: trim.priceFen },
      options: options.map((o) => ({ id: o.id, kind: o.kind as OptionKind, name: o.name, priceFen: o.priceFen })),
    },
    totalFen: totalFen(lines),
  };
}
