import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { MAX_RANGE_DAYS, parseRange, presetPeriod, type Period } from '../../../domain/reports/period.js';
import type { ReportKind } from '../../../domain/reports/service.js';
import { cb } from '../../../telegram/callback-data.js';
import { fmtOf } from '../../../telegram/format.js';
import { renderReport } from '../../../telegram/reports/index.js';
import { reportMenuScreen, reportPeriodScreen, reportRangeScreen, sendReport } from '../../../telegram/screens/reports.js';
import { forCustomers, type BotContext } from '../../context.js';
import { staffOnly } from '../../staff-only.js';
import { defineSteps } from '../../steps.js';
import { show } from '../../ui.js';
import { reportStepSchemas } from './steps.js';

/**
 * `/report` for managers and admins (the role read from the database on every update this
 * feature claims): a report → a period (today, 7 days, 30 days, or two dates typed) → the chart
 * as a photo with the key figures, and the CSV of the same rows beside it.
 */
const feature = new Composer<BotContext>();
export const reportsFeature = forCustomers(feature);
const handlers = new Composer<BotContext>();

const CODECS = [cb.reportMenu, cb.reportKind, cb.reportRun, cb.reportCustom];
const COMMAND = /^\/report(?:@\w+)?(?:\s|$)/i;

function claims(ctx: BotContext): boolean {
  const q = ctx.callbackQuery;
  if (q && 'data' in q) return CODECS.some((c) => c.trigger.test(q.data));
  if (!ctx.message) return false;
  if ('text' in ctx.message && COMMAND.test(ctx.message.text)) return true;
  return ctx.session.step.startsWith('reports.');
}

feature.use(
  staffOnly(
    'manager',
    {
      claims,
      refused(ctx) {
        ctx.log.warn({ from: ctx.from?.id, step: ctx.session.step }, 'report refused: sender is not a manager');
        if (ctx.session.step.startsWith('reports.')) ctx.go('menu', {});
      },
    },
    handlers,
  ),
);

async function showMenu(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('menu', {});
  await show(ctx, reportMenuScreen(fmtOf(ctx)), opts);
}

async function showRange(ctx: BotContext, opts: { fresh: boolean }) {
  const data = ctx.stepData('reports.range');
  if (!data) return showMenu(ctx, opts);
  await show(ctx, reportRangeScreen(fmtOf(ctx), data.kind), opts);
}

export const reportSteps = defineSteps(reportStepSchemas, { 'reports.range': showRange });

/** Runs the report, draws it and sends the photo and the CSV. */
async function send(ctx: BotContext, kind: ReportKind, period: Period) {
  const f = fmtOf(ctx);
  await ctx.sendChatAction('upload_photo').catch(() => undefined);
  const data = await ctx.deps.services.reports.run(kind, period);
  await sendReport(ctx.telegram, ctx.chat!.id, f, renderReport(f, data, ctx.deps.now()));
}

handlers.command('report', (ctx) => showMenu(ctx, { fresh: true }));
handlers.action(cb.reportMenu.trigger, async (ctx) => {
  await ctx.answerCbQuery().catch(() => undefined);
  await showMenu(ctx, { fresh: !ctx.callbackQuery.message || 'document' in ctx.callbackQuery.message });
});
handlers.action(cb.reportKind.trigger, async (ctx) => {
  const data = cb.reportKind.read(ctx);
  await ctx.answerCbQuery().catch(() => undefined);
  if (!data) return showMenu(ctx, { fresh: false });
  ctx.go('menu', {});
  await show(ctx, reportPeriodScreen(fmtOf(ctx), data.kind), { fresh: false });
});
handlers.action(cb.reportCustom.trigger, async (ctx) => {
  const data = cb.reportCustom.read(ctx);
  await ctx.answerCbQuery().catch(() => undefined);
  if (!data) return showMenu(ctx, { fresh: false });
  ctx.go('reports.range', { kind: data.kind });
  await show(ctx, reportRangeScreen(fmtOf(ctx), data.kind), { fresh: false });
});
handlers.action(cb.reportRun.trigger, async (ctx) => {
  const data = cb.reportRun.read(ctx);
  if (!data) {
    await ctx.answerCbQuery().catch(() => undefined);
    return showMenu(ctx, { fresh: false });
  }
  await ctx.answerCbQuery(ctx.t('reports.sending', { report: ctx.t(`reports.title.${data.kind}`) })).catch(() => undefined);
  await send(ctx, data.kind, presetPeriod(data.period, ctx.deps.now(), ctx.deps.config.timeZone));
});
handlers.on(message('text'), async (ctx, next) => {
  const step = ctx.stepData('reports.range');
  if (!step) return next();
  const parsed = parseRange(ctx.message.text, ctx.deps.config.timeZone);
  if (!parsed.ok) {
    const problem = ctx.t(`reports.range_${parsed.problem}`, { count: MAX_RANGE_DAYS });
    return show(ctx, reportRangeScreen(fmtOf(ctx), step.kind, problem), { fresh: true });
  }
  ctx.go('menu', {});
  await send(ctx, step.kind, parsed.period);
});
