/** Bot API answers, and the errors the stand-in produces on demand. */

export interface ApiSuccess<T = unknown> {
  ok: true;
  result: T;
}

export interface ApiFailure {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export type ApiResponse<T = unknown> = ApiSuccess<T> | ApiFailure;

/** An error to answer with. `retryAfter` becomes `parameters.retry_after` (default 1 for 429). */
export interface FaultSpec {
  code: number;
  description: string;
  retryAfter?: number;
}

export interface RateLimitOptions {
  /** Chat-targeted calls allowed within any sliding 1-second window. */
  perSecond: number;
  /** `retry_after` of the 429 answers, in seconds (default 1). */
  retryAfter?: number;
}

export const ok = <T>(result: T): ApiSuccess<T> => ({ ok: true, result });

export function apiError(fault: FaultSpec): ApiFailure {
  const failure: ApiFailure = { ok: false, error_code: fault.code, description: fault.description };
  const retryAfter = fault.retryAfter ?? (fault.code === 429 ? 1 : undefined);
  if (retryAfter !== undefined) failure.parameters = { retry_after: retryAfter };
  return failure;
}

export const BLOCKED_BY_USER: FaultSpec = { code: 403, description: 'Forbidden: bot was blocked by the user' };

/** Failures scheduled by the test: per method, per chat, and a global rate limit. */
export class FaultPlan {
  /** Per method, the faults still to serve, in order. */
  private readonly queued = new Map<string, FaultSpec[]>();
  private readonly chats = new Map<string, FaultSpec>();
  private limit: Required<RateLimitOptions> | null = null;
  /** Times (ms) of chat-targeted calls let through within the current window. */
  private sent: number[] = [];

  failNext(method: string, fault: FaultSpec, times: number): void {
    const queue = this.queued.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.queued.set(method, queue);
  }

  /** Consumes the next fault scheduled for `method`, if any. */
  takeMethodFault(method: string): ApiFailure | undefined {
    const fault = this.queued.get(method)?.shift();
    return fault && apiError(fault);
  }

  setChatFault(chatId: string, fault: FaultSpec | null): void {
    if (fault) this.chats.set(chatId, fault);
    else this.chats.delete(chatId);
  }

  chatFault(chatId: string): ApiFailure | undefined {
    const fault = this.chats.get(chatId);
    return fault && apiError(fault);
  }

  setRateLimit(options: RateLimitOptions | null): void {
    this.limit = options && { perSecond: options.perSecond, retryAfter: options.retryAfter ?? 1 };
    this.sent = [];
  }

  /** Counts a chat-targeted call against the limit; answers 429 once the window is full. */
  admit(now: number): ApiFailure | undefined {
    if (!this.limit) return undefined;
    this.sent = this.sent.filter((at) => at > now - 1000);
    if (this.sent.length >= this.limit.perSecond) {
      const retryAfter = this.limit.retryAfter;
      return apiError({ code: 429, description: `Too Many Requests: retry after ${retryAfter}`, retryAfter });
    }
    this.sent.push(now);
    return undefined;
  }

  clear(): void {
    this.queued.clear();
    this.chats.clear();
    this.setRateLimit(null);
  }
}
