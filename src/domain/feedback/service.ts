import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { feedback } from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';

export type CheckinResult = { status: 'recorded' | 'duplicate'; score: number };

/** Answers to the questions the bot asks after the fact (the 3-day delivery check-in). */
export class FeedbackService {
  constructor(private readonly db: Db) {}

  /**
   * Stores the delivery rating once per order (unique order_id + kind): a second press, or the
   * same update delivered twice, keeps the first answer and reports it as 'duplicate'.
   */
  async recordCheckin(orderId: number, score: number): Promise<CheckinResult> {
    if (!Number.isInteger(score) || score < 1 || score > 5) throw new AppError('invalid_score', `score ${score}`);
    const inserted = await this.db
      .insert(feedback)
      .values({ orderId, kind: 'delivery_checkin', score })
      .onConflictDoNothing({ target: [feedback.orderId, feedback.kind] })
      .returning({ score: feedback.score });
    if (inserted[0]) return { status: 'recorded', score: inserted[0].score };
    const [existing] = await this.db
      .select({ score: feedback.score })
      .from(feedback)
      .where(and(eq(feedback.orderId, orderId), eq(feedback.kind, 'delivery_checkin')));
    return { status: 'duplicate', score: existing?.score ?? score };
  }
}
