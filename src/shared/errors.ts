/**
 * Domain errors carry a code that the bot layer maps to a localized message (`errors.<code>`);
 * their `message` is for logs only and never shown to a customer.
 */
export class AppError<C extends string = string> extends Error {
  override name = this.constructor.name;
  constructor(
    readonly code: C,
    message: string = code,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The sender asked for something that is not theirs (forged callback data, another customer's id). */
export class ForbiddenError extends AppError<'forbidden'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('forbidden', message, details);
  }
}

export class NotFoundError extends AppError<'not_found'> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('not_found', message, details);
  }
}

/** The SQLSTATE of a Postgres error; drizzle wraps driver errors, with the original as `cause`. */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
