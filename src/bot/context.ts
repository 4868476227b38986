import { Context, type Composer, type MiddlewareFn } from 'telegraf';
import type { Customer } from '../db/schema/index.js';
import type { AppDeps } from '../deps.js';
import type { Locale } from '../domain/customers/service.js';
import type { TFunction } from '../i18n.js';
import type { Logger } from '../logger.js';
import { updateSummary } from './update-summary.js';
import type { GoData, Session, StepData, StepName, StepRegistry } from './step-registry.js';

const updateLoggers = new WeakMap<object, Logger>();

/**
 * telegraf's Context plus what the middlewares attach: dependencies, a per-update logger, the
 * customer row, their language's `t`, and the chat's conversation state (saved after the update).
 */
export class BotContext extends Context {
  deps!: AppDeps;
  /** A logger bound to this update, made on first use (most updates log nothing). */
  get log(): Logger {
    let log = updateLoggers.get(this);
    if (!log) {
      log = this.deps.logger.child({ ...updateSummary(this.update), chatId: this.chat?.id, from: this.from?.id });
      updateLoggers.set(this, log);
    }
    return log;
  }
  customer: Customer | null = null;
  locale: Locale = 'zh-CN';
  t!: TFunction;
  session!: Session;
  /** The bot's steps (names, data schemas, renderers), set by createBot. */
  steps!: StepRegistry<BotContext>;
  /** Set by beginUpdate: the customer's open support conversation, if any (features/support.ts). */
  supportConversationId: number | null = null;
  sessionDirty = false;
  callbackAnswered = false;
  /** Set when handling failed and is worth another try (the inbox retries it, src/bot/inbox-consumer.ts). */
  failed = false;

  /** Moves the chat to `step` with its data (the step's schema, src/bot/features/<area>/steps.ts). */
  go<S extends StepName>(step: S, data: NoInfer<GoData<S>>): void {
    Object.assign(this.session, { step, data });
    this.sessionDirty = true;
  }

  /** The data of the chat's step when it is one of `steps` (checked when the state was loaded), else null. */
  stepData<S extends StepName>(...steps: S[]): StepData<S> | null {
    return (steps as StepName[]).includes(this.session.step) ? (this.session.data as StepData<S>) : null;
  }

  /** Answers the callback query once; the boundary answers any still unanswered. */
  async toast(text?: string, alert = false): Promise<void> {
    if (!this.callbackQuery || this.callbackAnswered) return;
    this.callbackAnswered = true;
    await this.answerCbQuery(text, alert ? { show_alert: true } : undefined).catch(() => undefined);
  }

  /** Saves the customer's language and answers in it from now on (this update included). */
  async useLanguage(locale: Locale): Promise<void> {
    await this.deps.services.customers.setLanguage(this.account.id, locale);
    this.account.language = locale;
    this.locale = locale;
    this.t = this.deps.i18n.t(locale);
  }

  /** The sender's customer row; features are mounted behind a guard that guarantees it. */
  get account(): Customer {
    if (!this.customer) throw new Error('no customer on this update');
    return this.customer;
  }
}

/**
 * Mounts a customer-facing feature: only updates with a customer (private chats and payment
 * queries from a person) enter it; others pass by. The feature's middleware is looked up per
 * update, because a Composer's handlers may still be added after this call.
 */
export const forCustomers =
  (feature: Composer<BotContext>): MiddlewareFn<BotContext> =>
  (ctx, next) =>
    ctx.customer ? feature.middleware()(ctx, next) : next();
