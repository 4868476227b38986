import type postgres from 'postgres';
import type { Db } from '../../db/client.js';

export type ConsentVia = 'start' | 'settings' | 'unsubscribe';

/** Marketing consent: asked once, changed in /settings or by one tap on Unsubscribe; every change logged. */
export class ConsentService {
  private readonly sql: postgres.Sql;
  constructor(db: Db) {
    this.sql = db.$client;
  }

  /**
   * Records that the customer is being asked now; false when they were asked before (so the
   * question comes once, even if they never answered it).
   */
  async markAsked(customerId: number): Promise<boolean> {
    const rows = await this.sql`
      insert into marketing_consent_log (customer_id, consent, via)
      select ${customerId}, null, 'asked'
      where not exists (select 1 from marketing_consent_log where customer_id = ${customerId} and via = 'asked')
      returning id`;
    return rows.length > 0;
  }

  /** Sets consent; false when it already had that value (a double tap changes and logs nothing). */
  async set(customerId: number, consent: boolean, via: ConsentVia, campaignId: number | null = null): Promise<boolean> {
    return this.sql.begin(async (tx) => {
      const rows = await tx`
        update customers set marketing_consent = ${consent}, updated_at = now()
        where id = ${customerId} and marketing_consent is distinct from ${consent} returning id`;
      if (rows.length === 0) return false;
      await tx`insert into marketing_consent_log (customer_id, consent, via, campaign_id) values (${customerId}, ${consent}, ${via}, ${campaignId})`;
      return true;
    });
  }
}
