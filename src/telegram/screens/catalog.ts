import { optionsFor, priceLines, startingPriceFen, totalFen, type Configuration, type ConfigStep, type ModelCatalog } from '../../domain/catalog/pricing.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, menuButton } from './common.js';
import { onTheRoadEstimate } from '../../domain/catalog/purchase-tax.js';

/** Vehicle price and the labelled on-the-road estimate (purchase tax; registration and insurance not included). */
export function priceBlock(f: Fmt, vehicleFen: number): string {
  const e = onTheRoadEstimate(vehicleFen);
  return f.t('catalog.price_block', { price: f.money(vehicleFen), tax: f.money(e.taxFen), otr: f.money(e.totalFen) });
}

export function modelList(f: Fmt, models: ModelCatalog[]): Screen {
  return {
    text: f.t('catalog.choose_model'),
    keyboard: [
      ...models.map((m) => [
        button(
          m.model.available ? f.t('catalog.model_button', { name: m.model.name, price: f.money(startingPriceFen(m)) }) : f.t('catalog.model_button_paused', { name: m.model.name }),
          cb.model.pack({ modelId: m.model.id }),
        ),
      ]),
      [menuButton(f)],
    ],
  };
}

const range = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) });

/**
 * The model card. A paused model (not taking orders) is still shown in full, with "暂停接单" in
 * place of the order button; the order steps refuse it too (a stale button, a cached catalog).
 */
export function modelCard(f: Fmt, m: ModelCatalog): Screen {
  const km = range(m.trims.map((t) => t.rangeCltcKm));
  const accel = range(m.trims.map((t) => Number(t.accel0100S)));
  const speed = range(m.trims.map((t) => t.topSpeedKmh));
  return {
    photo: m.model.photoUrl,
    text:
      f.t('catalog.model_card', {
        name: m.model.name,
        tagline: f.text(m.model.tagline),
        range: km.max,
        accel: accel.min.toFixed(1),
        speed: speed.max,
        price: f.money(startingPriceFen(m)),
        deposit: f.money(m.model.depositFen),
        versions: f.t('catalog.versions', { count: m.trims.length }),
      }) + (m.model.available ? '' : f.t('catalog.paused_note', { name: m.model.name })),
    keyboard: [
      ...(m.model.available ? [[button(f.t('catalog.configure'), cb.configure.pack({ modelId: m.model.id }))]] : []),
      [button(f.t('nav.back'), cb.back.pack({ to: 'models' })), menuButton(f)],
    ],
  };
}

const backTarget: Record<ConfigStep, 'model' | 'trim' | 'paint' | 'wheels'> = {
  trim: 'model',
  paint: 'trim',
  wheels: 'paint',
  interior: 'wheels',
};

function runningTotal(f: Fmt, m: ModelCatalog, cfg: Configuration): string {
  const lines = priceLines(m, cfg);
  if (lines.length === 0) return f.t('catalog.from_price', { price: f.money(startingPriceFen(m)) });
  return f.t('catalog.running_total', { price: f.money(totalFen(lines)) });
}

function chosenSoFar(f: Fmt, m: ModelCatalog, cfg: Configuration): string {
  return priceLines(m, cfg)
    .map((l) => `• ${f.text(l.name)}`)
    .join('\n');
}

/** One configuration step: the choices with their prices, the running total, and a way back. */
export function configStep(f: Fmt, m: ModelCatalog, cfg: Configuration, step: ConfigStep): Screen {
  const header = f.t(`catalog.step_${step}`, { name: m.model.name });
  const soFar = chosenSoFar(f, m, cfg);
  const total = runningTotal(f, m, cfg);
  let choices: Array<{ id: string; label: string }>;
  let details = '';
  if (step === 'trim') {
    choices = m.trims.map((t) => ({ id: t.id, label: `${f.plain(t.name)} · ${f.money(t.priceFen)}` }));
    details = m.trims
      .map((t) => f.t('catalog.trim_specs', { trim: f.text(t.name), range: t.rangeCltcKm, accel: Number(t.accel0100S).toFixed(1), speed: t.topSpeedKmh }))
      .join('\n');
  } else {
    choices = optionsFor(m, step, cfg.trimId!).map((o) => ({
      id: o.id,
      label: `${f.plain(o.name)} · ${o.priceFen === 0 ? f.t('catalog.included') : `+${f.money(o.priceFen)}`}`,
    }));
  }
  const text = [header, soFar, details, total].filter(Boolean).join('\n\n');
  return {
    photo: m.model.photoUrl,
    text,
    keyboard: [
      ...choices.map((c) => [button(c.label, cb.choose.pack({ step, optionId: c.id }))]),
      [button(f.t('nav.back'), cb.back.pack({ to: backTarget[step] })), menuButton(f)],
    ],
  };
}

export function summary(f: Fmt, m: ModelCatalog, cfg: Configuration): Screen {
  const lines = priceLines(m, cfg);
  const breakdown = lines.map((l) => f.t('catalog.price_line', { name: f.text(l.name), price: l.priceFen === 0 ? f.t('catalog.included') : f.money(l.priceFen) })).join('\n');
  return {
    photo: m.model.photoUrl,
    text:
      f.t('catalog.summary', {
        name: m.model.name,
        breakdown,
        prices: priceBlock(f, totalFen(lines)),
        deposit: f.money(m.model.depositFen),
      }) + (m.model.available ? '' : f.t('catalog.paused_note', { name: m.model.name })),
    keyboard: [
      ...(m.model.available ? [[button(f.t('catalog.order_now', { deposit: f.money(m.model.depositFen) }), cb.orderStart.pack({}))]] : []),
      [button(f.t('catalog.change'), cb.changePick.pack({})), menuButton(f)],
    ],
  };
}

/** "Change configuration": which one choice to change; the others are kept where still offered. */
export function changePicker(f: Fmt, m: ModelCatalog, cfg: Configuration): Screen {
  const lines = priceLines(m, cfg);
  return {
    photo: m.model.photoUrl,
    text: f.t('catalog.change_what', { name: m.model.name, current: lines.map((l) => `• ${f.text(l.name)}`).join('\n') }),
    keyboard: [
      [button(f.t('catalog.change_trim'), cb.change.pack({ step: 'trim' })), button(f.t('catalog.change_paint'), cb.change.pack({ step: 'paint' }))],
      [button(f.t('catalog.change_wheels'), cb.change.pack({ step: 'wheels' })), button(f.t('catalog.change_interior'), cb.change.pack({ step: 'interior' }))],
      [button(f.t('nav.back'), cb.back.pack({ to: 'summary' })), menuButton(f)],
    ],
  };
}
