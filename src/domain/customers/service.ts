import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { customers, type Customer } from '../../db/schema/index.js';
import type { Locale } from '../../shared/locale.js';

/** Locale lives in src/shared/locale.ts; re-exported here for the importers that still name this file. */
export type { Locale };

/** zh* → zh-CN, en* → en, anything else → the configured default. */
export function localeFromTelegram(languageCode: string | undefined, fallback: Locale): Locale {
  if (!languageCode) return fallback;
  const lc = languageCode.toLowerCase();
  if (lc.startsWith('zh')) return 'zh-CN';
  if (lc.startsWith('en')) return 'en';
  return fallback;
}

export interface TelegramUserFacts {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface CustomerServiceOptions {
  db: Db;
  /** The language of a customer whose Telegram language is neither Chinese nor English. */
  defaultLocale: Locale;
}

export class CustomerService {
  private readonly db: Db;
  private readonly defaultLocale: Locale;

  constructor(opts: CustomerServiceOptions) {
    this.db = opts.db;
    this.defaultLocale = opts.defaultLocale;
  }

  /**
   * One round trip per update: creates the customer on first contact (language from Telegram),
   * refreshes name and activity afterwards. Any message from them also means they have not
   * blocked the bot, so the flag is cleared.
   */
  async touch(user: TelegramUserFacts): Promise<Customer> {
    const [row] = await this.db
      .insert(customers)
      .values({
        telegramId: user.id,
        firstName: user.first_name,
        lastName: user.last_name ?? null,
        username: user.username ?? null,
        language: localeFromTelegram(user.language_code, this.defaultLocale),
      })
      .onConflictDoUpdate({
        target: customers.telegramId,
        set: {
          firstName: user.first_name,
          lastName: user.last_name ?? null,
          username: user.username ?? null,
          blocked: false,
          lastActiveAt: sql`now()`,
          updatedAt: sql`now()`,
        },
      })
      .returning();
    return row!;
  }

  /**
   * The customer for an update, given what `ConversationRepository.begin` read: created on first
   * contact; written back only when something changed or activity is more than five minutes old
   * (a write per update would cost more than everything else the update does).
   */
  async ensure(user: TelegramUserFacts, existing: Customer | null, now = new Date()): Promise<Customer> {
    if (
      existing &&
      !existing.blocked &&
      existing.firstName === user.first_name &&
      existing.lastName === (user.last_name ?? null) &&
      existing.username === (user.username ?? null) &&
      now.getTime() - existing.lastActiveAt.getTime() < 5 * 60_000
    ) {
      return existing;
    }
    return this.touch(user);
  }

  /** Stores a deep-link source: the first one ever is kept for attribution, the latest beside it. */
  async recordSource(customerId: number, source: string): Promise<void> {
    await this.db
      .update(customers)
      .set({ source: sql`coalesce(${customers.source}, ${source})`, lastSource: source })
      .where(eq(customers.id, customerId));
  }

  async setLanguage(customerId: number, language: Locale): Promise<void> {
    await this.db
      .update(customers)
      .set({ language, updatedAt: sql`now()` })
      .where(eq(customers.id, customerId));
  }

  async setPhone(customerId: number, phone: string): Promise<void> {
    await this.db
      .update(customers)
      .set({ phone, updatedAt: sql`now()` })
      .where(eq(customers.id, customerId));
  }

  /**
   * The language of whoever has this Telegram id (staff write to the bot too), or the default
   * locale for someone who never opened the bot.
   */
  async languageOf(telegramId: number): Promise<Locale> {
    const [row] = await this.db.select({ language: customers.language }).from(customers).where(eq(customers.telegramId, telegramId));
    return (row?.language ?? this.defaultLocale) as Locale;
  }

  /** 403 from Telegram or a my_chat_member "kicked": the customer cannot be reached until they return. */
  async markBlocked(telegramId: number, blocked = true): Promise<void> {
    await this.db
      .update(customers)
      .set({ blocked, updatedAt: sql`now()` })
      .where(eq(customers.telegramId, telegramId));
  }
}
