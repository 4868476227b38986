/** The record of calls made to the stand-in, and waiting for calls still to come. */

/** An answer as recorded: loosely typed so tests can reach into `result` directly. */
export interface RecordedResponse {
  ok: boolean;
  result?: any;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface RecordedCall {
  method: string;
  /** Parsed parameters (JSON, form or multipart; uploads appear as `UploadedFile`). */
  params: Record<string, any>;
  /** When the request arrived (ms since epoch). */
  at: number;
  response: RecordedResponse;
}

/** A method name, or a predicate over recorded calls. */
export type CallMatcher = string | ((call: RecordedCall) => boolean);

export interface WaitForOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Only consider calls from this index of `calls` on (default 0). */
  since?: number;
  /** Wait for this many matching calls and resolve with all of them. */
  count?: number;
}

export class CallLog {
  readonly calls: RecordedCall[] = [];
  private readonly listeners = new Set<(call: RecordedCall) => void>();

  record(call: RecordedCall): void {
    this.calls.push(call);
    for (const listener of [...this.listeners]) listener(call);
  }

  /** Empties the log in place (so references to `calls` stay valid). */
  clear(): void {
    this.calls.length = 0;
  }

  onCall(listener: (call: RecordedCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  waitFor(matcher: CallMatcher, options: WaitForOptions): Promise<RecordedCall | RecordedCall[]> {
    const { timeoutMs = 5000, since = 0, count } = options;
    const wanted = count ?? 1;
    const matches = (call: RecordedCall): boolean => (typeof matcher === 'string' ? call.method === matcher : matcher(call));
    const settle = (found: RecordedCall[]): RecordedCall | RecordedCall[] => (count === undefined ? (found[0] as RecordedCall) : found.slice(0, wanted));

    return new Promise((resolve, reject) => {
      const found = this.calls.slice(since).filter(matches);
      if (found.length >= wanted) return resolve(settle(found));
      const timer = setTimeout(() => {
        unsubscribe();
        const what = typeof matcher === 'string' ? `'${matcher}'` : `predicate ${matcher.name || '(anonymous)'}`;
        reject(
          new Error(
            `BotApiStandIn.waitFor(${what}) timed out after ${timeoutMs} ms with ${found.length}/${wanted} ` +
              `matching call(s) since #${since}. Recorded calls: ${summarize(this.calls)}`,
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.onCall((call) => {
        try {
          if (!matches(call)) return;
        } catch (error) {
          clearTimeout(timer);
          unsubscribe();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        found.push(call);
        if (found.length < wanted) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(settle(found));
      });
    });
  }
}

/** "getMe, getUpdates×3, sendMessage!403": methods in order, repeats folded, failures with their code. */
function summarize(calls: readonly RecordedCall[]): string {
  const parts: string[] = [];
  let previous = '';
  let repeats = 0;
  const flush = (): void => {
    if (repeats > 0) parts.push(repeats > 1 ? `${previous}×${repeats}` : previous);
  };
  for (const call of calls) {
    const label = call.response.ok ? call.method : `${call.method}!${call.response.error_code ?? '?'}`;
    if (label === previous) {
      repeats += 1;
      continue;
    }
    flush();
    previous = label;
    repeats = 1;
  }
  flush();
  return parts.length > 0 ? parts.join(', ') : '(none)';
}
