import type { InlineKeyboardButton } from 'telegraf/types';
import type { Campaign, CampaignSegment } from '../../db/schema/campaigns.js';
import type { CampaignFigures } from '../../domain/campaigns/figures.js';
import type { Counts } from '../../domain/campaigns/delivery.js';
import { orderStateGroups } from '../../domain/campaigns/segment.js';
import type { Locale } from '../../domain/customers/service.js';
import { escapeHtml } from '../../i18n.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, menuButton, rows } from './common.js';

const abortRow = (f: Fmt) => [button(f.t('campaigns.composer.abort'), cb.campaignAbort.pack({}))];
export const localeName = (f: Fmt, l: string) => f.t(l === 'en' ? 'campaigns.locale.en' : 'campaigns.locale.zh');
/** A list in the reader's language: "a, b" in English, "a、b" in Chinese. */
const list = (f: Fmt, items: string[]) => items.join(f.t('campaigns.list_sep'));

export function chooseLocaleScreen(f: Fmt): Screen {
  return {
    text: f.t('campaigns.composer.choose_locale'),
    keyboard: [[button(localeName(f, 'zh-CN'), cb.campaignLocale.pack({ locale: 'zh-CN' })), button(localeName(f, 'en'), cb.campaignLocale.pack({ locale: 'en' }))], abortRow(f)],
  };
}

export function contentScreen(f: Fmt, locale: Locale): Screen {
  return { text: f.t('campaigns.composer.content', { lang: localeName(f, locale) }), keyboard: [abortRow(f)] };
}

export function buttonsScreen(f: Fmt, modelIds: string[]): Screen {
  return {
    text: f.t('campaigns.composer.buttons', {
      models: list(
        f,
        modelIds.map((m) => `<code>${escapeHtml(m)}</code>`),
      ),
    }),
    keyboard: [[button(f.t('campaigns.composer.no_buttons'), cb.campaignNoButtons.pack({}))], abortRow(f)],
  };
}

export function secondScreen(f: Fmt, other: Locale, first: Locale): Screen {
  return {
    text: f.t('campaigns.composer.second', { lang: localeName(f, other), first: localeName(f, first) }),
    keyboard: [
      [
        button(f.t('campaigns.composer.add', { lang: localeName(f, other) }), cb.campaignSecond.pack({ answer: 'add' })),
        button(f.t('campaigns.composer.skip'), cb.campaignSecond.pack({ answer: 'skip' })),
      ],
      abortRow(f),
    ],
  };
}

const any = (f: Fmt) => f.t('campaigns.segment.any');

export function segmentSummary(f: Fmt, s: CampaignSegment, cityName: (c: string) => string, modelName: (m: string) => string = (m) => m): string {
  return f.t('campaigns.segment.summary', {
    lang: s.locales?.length
      ? list(
          f,
          s.locales.map((l) => localeName(f, l)),
        )
      : any(f),
    models: s.models?.length ? escapeHtml(list(f, s.models.map(modelName))) : any(f),
    orders: s.orderStates?.length
      ? list(
          f,
          s.orderStates.map((o) => f.t(`campaigns.orders.${o}`)),
        )
      : any(f),
    cities: s.cities?.length ? escapeHtml(list(f, s.cities.map(cityName))) : any(f),
    active: s.activeDays ? f.t('campaigns.segment.active_days', { count: s.activeDays }) : any(f),
    source: s.source ? `<code>${escapeHtml(s.source)}</code>` : any(f),
  });
}

export function segmentScreen(f: Fmt, s: CampaignSegment, count: number, cityName: (c: string) => string, modelName?: (m: string) => string): Screen {
  const seg = (field: Parameters<typeof cb.campaignSegment.pack>[0]['field'], label: string) => button(label, cb.campaignSegment.pack({ field }));
  return {
    text: `${f.t('campaigns.segment.title')}\n${segmentSummary(f, s, cityName, modelName)}\n\n${f.t('campaigns.segment.count', { count })}`,
    keyboard: [
      [seg('lang', f.t('campaigns.segment.lang')), seg('models', f.t('campaigns.segment.models'))],
      [seg('orders', f.t('campaigns.segment.orders')), seg('cities', f.t('campaigns.segment.cities'))],
      [seg('active', f.t('campaigns.segment.active')), seg('source', f.t('campaigns.segment.source'))],
      [seg('next', f.t('campaigns.segment.next'))],
      abortRow(f),
    ],
  };
}

/** A multiple choice of one segment field: each value toggles; Back returns to the audience. */
export function togglePicker(f: Fmt, field: 'models' | 'orders' | 'cities', choices: Array<{ value: string; label: string }>, chosen: string[]): Screen {
  const items = choices.map((c) => button(`${chosen.includes(c.value) ? '✅ ' : ''}${c.label}`, cb.campaignToggle.pack({ field, value: c.value })));
  return {
    text: f.t(`campaigns.segment.pick_${field}`),
    keyboard: [...rows(items, 2), [button(f.t('campaigns.segment.back'), cb.campaignSegment.pack({ field: 'back' }))]],
  };
}

export const orderChoices = (f: Fmt) => orderStateGroups.map((g) => ({ value: g.replace(/_/g, '-'), label: f.t(`campaigns.orders.${g}`) }));

export function sourceScreen(f: Fmt): Screen {
  return { text: f.t('campaigns.segment.source_ask'), keyboard: [[button(f.t('campaigns.segment.back'), cb.campaignSegment.pack({ field: 'back' }))]] };
}

export function scheduleScreen(f: Fmt): Screen {
  return { text: f.t('campaigns.composer.schedule'), keyboard: [[button(f.t('campaigns.composer.now'), cb.campaignNow.pack({}))], abortRow(f)] };
}

export function confirmScreen(f: Fmt, o: { locales: Locale[]; count: number; when: string | null }): Screen {
  return {
    text: f.t('campaigns.composer.confirm', {
      langs: list(
        f,
        o.locales.map((l) => localeName(f, l)),
      ),
      count: o.count,
      when: o.when ? f.t('campaigns.composer.when_at', { when: o.when }) : f.t('campaigns.composer.when_now'),
    }),
    keyboard: [[button(f.t('campaigns.composer.confirm_button'), cb.campaignConfirm.pack({})), button(f.t('campaigns.composer.abort'), cb.campaignAbort.pack({}))]],
  };
}

/** "2026-12-01 20:00" in the business time zone, as shown to marketers. */
export function formatWhen(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

const bar = (fraction: number) => {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * 10);
  return '█'.repeat(full) + '░'.repeat(10 - full);
};

function durationText(f: Fmt, seconds: number): string {
  if (seconds < 60) return f.t('campaigns.progress.seconds', { count: Math.max(1, Math.round(seconds)) });
  if (seconds < 3600) return f.t('campaigns.progress.minutes', { count: Math.round(seconds / 60) });
  return f.t('campaigns.progress.hours', { count: Math.round((seconds / 3600) * 10) / 10 });
}

export function controlButtons(f: Fmt, c: Pick<Campaign, 'id' | 'status'>): InlineKeyboardButton[][] {
  const b = (action: 'pause' | 'resume' | 'cancel' | 'refresh') => button(f.t(`campaigns.control.${action}`), cb.campaignControl.pack({ action, campaignId: c.id }));
  if (c.status === 'running') return [[b('pause'), b('cancel')], [b('refresh')]];
  if (c.status === 'paused') return [[b('resume'), b('cancel')], [b('refresh')]];
  if (c.status === 'scheduled') return [[b('cancel')]];
  return [];
}

/**
 * The marketer's live view of a campaign: bar, counts, rate and time left, and its controls.
 * `now`: a scheduled campaign already due (Send now, before its start job ran) shows as starting.
 */
export function progressScreen(f: Fmt, c: Campaign, counts: Counts, ratePerS: number, now?: Date): Screen {
  const status = f.t(`campaigns.status.${c.status}`);
  if (c.status === 'scheduled' && now && c.scheduledAt.getTime() <= now.getTime()) {
    return {
      text: [f.t('campaigns.progress.title', { id: c.id, status: f.t('campaigns.status.running') }), f.t('campaigns.progress.starting')].join('\n'),
      keyboard: controlButtons(f, c),
    };
  }
  if (c.status === 'scheduled') {
    return { text: f.t('campaigns.progress.scheduled', { id: c.id, when: formatWhen(c.scheduledAt, f.timeZone) }), keyboard: controlButtons(f, c) };
  }
  const done = counts.sent + counts.failed + counts.blocked;
  const left = counts.pending + counts.sending;
  const total = counts.total || 1;
  const lines = [
    f.t('campaigns.progress.title', { id: c.id, status }),
    `${bar(done / total)} ${Math.floor((done / total) * 100)}%`,
    f.t('campaigns.progress.counts', { sent: counts.sent, failed: counts.failed, blocked: counts.blocked, left }) +
      (counts.cancelled > 0 ? f.t('campaigns.progress.cancelled', { count: counts.cancelled }) : ''),
  ];
  if (c.status === 'done') lines.push(f.t('campaigns.progress.done'));
  if (c.status === 'paused') lines.push(f.t('campaigns.progress.paused', { left }));
  // No rate measured yet: "Starting…" for a campaign that has sent nothing, nothing after a resume.
  if (c.status === 'running' && ratePerS > 0) {
    lines.push(f.t('campaigns.progress.rate', { rate: Math.round(ratePerS * 10) / 10, eta: durationText(f, left / ratePerS) }));
  } else if (c.status === 'running' && done === 0) {
    lines.push(f.t('campaigns.progress.starting'));
  }
  return { text: lines.join('\n'), keyboard: controlButtons(f, c) };
}

export function listScreen(f: Fmt, items: CampaignFigures[]): Screen {
  if (items.length === 0) return { text: f.t('campaigns.list.empty'), keyboard: [[menuButton(f)]] };
  const lines = items.map((c) =>
    f.t('campaigns.list.item', {
      id: c.id,
      status: f.t(`campaigns.status.${c.status}`),
      when: formatWhen(c.startedAt ?? c.scheduledAt, f.timeZone),
      audience: c.audience ?? '–',
      sent: c.sent,
      failed: c.failed,
      blocked: c.blocked,
      unsubscribed: c.unsubscribed,
      clicks: c.clicks,
      orders: c.orders,
      deposits: c.deposits,
      amount: f.money(c.depositsFen),
      storeOrders: c.storeOrders,
      storeAmount: f.money(c.storeFen),
    }),
  );
  // The first row of controls of each live campaign, named with its number: several would otherwise read alike.
  const controls = items
    .filter((c) => c.status === 'running' || c.status === 'paused' || c.status === 'scheduled')
    .map((c) => controlButtons(f, c)[0]!.map((b) => ({ ...b, text: `${b.text} #${c.id}` })));
  const withAttribution = lines.map((line, i) => `${line}\n${attributedLine(f, items[i]!)}`);
  return { text: [f.t('campaigns.list.title'), ...withAttribution].join('\n\n'), keyboard: [...controls, [menuButton(f)]] };
}

/** Beside the 7-day window figures: what the campaign's clicks earned by last touch (distinct clickers, not taps). */
function attributedLine(f: Fmt, c: CampaignFigures): string {
  const a = c.attributed;
  return f.t('attribution.list_line', {
    clickers: a.clickers,
    orders: a.orders,
    deposits: a.deposits,
    amount: f.money(a.depositsFen),
    storeOrders: a.storeOrders,
    storeAmount: f.money(a.storeFen),
  });
}

export function consentScreen(f: Fmt): Screen {
  return {
    text: f.t('campaigns.consent.ask'),
    keyboard: [
      [button(f.t('campaigns.consent.yes'), cb.consent.pack({ answer: 'yes' })), button(f.t('campaigns.consent.no'), cb.consent.pack({ answer: 'no' }))],
      // The question comes before the customer has chosen a language: they can switch here.
      [button(f.t('campaigns.settings.switch_lang'), cb.consent.pack({ answer: f.locale === 'en' ? 'lang_zh' : 'lang_en' }))],
    ],
  };
}

/** `dailyReport`: managers and admins get their daily-report switch (undefined for everyone else). */
export function settingsScreen(f: Fmt, consent: boolean | null, dailyReport?: boolean): Screen {
  const text = f.t('campaigns.settings.text', { lang: localeName(f, f.locale), news: f.t(consent ? 'campaigns.settings.on' : 'campaigns.settings.off') });
  return {
    text: dailyReport === undefined ? text : `${text}\n${f.t('reports.settings.daily', { state: f.t(dailyReport ? 'campaigns.settings.on' : 'campaigns.settings.off') })}`,
    keyboard: [
      [button(f.t('campaigns.settings.switch_lang'), cb.settings.pack({ what: f.locale === 'en' ? 'lang_zh' : 'lang_en' }))],
      [button(f.t(consent ? 'campaigns.settings.news_off' : 'campaigns.settings.news_on'), cb.settings.pack({ what: consent ? 'news_off' : 'news_on' }))],
      ...(dailyReport === undefined
        ? []
        : [[button(f.t(dailyReport ? 'reports.settings.daily_off' : 'reports.settings.daily_on'), cb.settings.pack({ what: dailyReport ? 'report_off' : 'report_on' }))]]),
      [menuButton(f)],
    ],
  };
}
