/**
 * Load shapes for driving a webhook with simulated customers: a closed loop (N customers in
 * flight, each sending its next update as soon as the previous one is answered) for maximum
 * throughput, and an open loop at a fixed rate for latency under a given load.
 */
import { performance } from 'node:perf_hooks';
import type { Poster } from './http-client.js';
import { Latencies } from './stats.js';
import type { Customer, Traffic } from './journey.js';

export interface Driver {
  traffic: Traffic;
  poster: Poster;
  /**
   * The app: resolves when update `id` has been handled (the webhook answers once it is stored,
   * src/server/http.ts). Absent for the baseline bot, which answers after handling.
   */
  handled?: (id: number) => Promise<void>;
}

export interface PhaseResult {
  updates: number;
  seconds: number;
  updatesPerS: number;
  latency: Latencies;
  /** The webhook's answer time (the app answers once the update is stored in the inbox). */
  ingest: Latencies;
  /** Open loop only: latency counted from the moment the update was due (includes client lag). */
  latencyFromDue?: Latencies;
  /** Open loop only: updates that could not be sent because too many were in flight. */
  dropped?: number;
  maxInFlight: number;
}

/**
 * Sends the customer's next update; resolves with its latency (POST to handled) and the webhook's
 * answer time, or null when the journey ended.
 */
async function step(d: Driver, c: Customer): Promise<{ ms: number; ingestMs: number; start: number } | null> {
  const body = d.traffic.next(c);
  if (body === null) return null;
  const stepName = c.stepName;
  const start = performance.now();
  let status: number;
  const id = Number(/"update_id":(\d+)/.exec(body)?.[1]);
  // Waited for from before the POST: the app may report it handled before the answer arrives.
  const handled = d.handled?.(id);
  handled?.catch(() => undefined);
  let ingestMs: number;
  try {
    status = await d.poster.post(body);
    ingestMs = performance.now() - start;
    if (handled && status === 200) await handled;
  } catch (err) {
    c.inbox = [];
    d.traffic.fail(c, `webhook request failed: ${(err as Error).message}`);
    return { ms: performance.now() - start, ingestMs: performance.now() - start, start };
  }
  const ms = performance.now() - start;
  d.traffic.settle(c, status);
  d.traffic.observe(stepName, ms);
  return { ms, ingestMs, start };
}

export async function closedLoop(
  d: Driver,
  opts: {
    concurrency: number;
    seconds: number;
    stop?: () => boolean;
    /** Receives the customers still mid-journey at the end, instead of retiring them. */
    keep?: Customer[];
  },
): Promise<PhaseResult> {
  const latency = new Latencies();
  const ingest = new Latencies();
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  let updates = 0;
  const lane = async () => {
    let c = d.traffic.newCustomer();
    while (performance.now() < deadline && !opts.stop?.()) {
      const r = await step(d, c);
      if (r === null) {
        d.traffic.retire(c);
        c = d.traffic.newCustomer();
        continue;
      }
      latency.add(r.ms);
      if (d.handled) ingest.add(r.ingestMs);
      updates++;
    }
    if (opts.keep && !c.done) opts.keep.push(c);
    else d.traffic.retire(c);
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  return { updates, seconds, updatesPerS: updates / seconds, latency, ingest, maxInFlight: opts.concurrency };
}

/**
 * Open loop: an update is due every 1/rate s whatever happened to the previous ones (late ticks
 * send the updates they owe at once). Each update comes from a customer picked at random among the
 * idle ones of a pool of `customers` (a customer never has two updates in flight), so the steps
 * of the journey stay mixed rather than marching in lockstep. `pool` carries customers over from
 * an earlier phase (already spread over the journey) and receives the idle ones at the end.
 */
export async function openLoop(
  d: Driver,
  opts: {
    rate: number;
    seconds: number;
    customers: number;
    random: () => number;
    pool?: Customer[];
    maxInFlight?: number;
    stop?: () => boolean;
  },
): Promise<PhaseResult> {
  const latency = new Latencies();
  const ingest = new Latencies();
  const latencyFromDue = new Latencies();
  const idle: Customer[] = opts.pool ? opts.pool.splice(0) : [];
  while (idle.length < opts.customers) idle.push(d.traffic.newCustomer());
  const takeIdle = (): Customer | undefined => {
    if (idle.length === 0) return undefined;
    const i = Math.floor(opts.random() * idle.length);
    const c = idle[i]!;
    idle[i] = idle[idle.length - 1]!;
    idle.pop();
    return c;
  };
  const total = Math.round(opts.rate * opts.seconds);
  const cap = opts.maxInFlight ?? 500;
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let dropped = 0;
  let maxInFlight = 0;
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / opts.rate;

  const fire = (due: number) => {
    let c = takeIdle() ?? d.traffic.newCustomer();
    const p = (async () => {
      let r = await step(d, c);
      if (r === null) {
        d.traffic.retire(c);
        c = d.traffic.newCustomer();
        r = await step(d, c);
      }
      if (r) {
        latency.add(r.ms);
        if (d.handled) ingest.add(r.ingestMs);
        latencyFromDue.add(performance.now() - due);
      }
      if (c.done) {
        d.traffic.retire(c);
        idle.push(d.traffic.newCustomer());
      } else idle.push(c);
    })();
    pending.add(p);
    maxInFlight = Math.max(maxInFlight, pending.size);
    // A failed update stays in `pending`, so the Promise.all below rethrows its error (p.finally's
    // promise would have rejected with nobody listening).
    void p.then(
      () => pending.delete(p),
      () => undefined,
    );
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && dueAt(sent) <= now) {
        const due = dueAt(sent);
        sent++;
        if (pending.size >= cap) dropped++;
        else fire(due);
      }
      if (sent >= total || opts.stop?.()) return resolve();
      setTimeout(tick, Math.max(0, dueAt(sent) - performance.now()));
    };
    tick();
  });
  while (pending.size) await Promise.all([...pending]);
  // An overloaded phase adds customers; hand on at most `customers` of them.
  const kept = opts.pool ? idle.splice(0, opts.customers) : [];
  opts.pool?.push(...kept);
  for (const c of idle) d.traffic.retire(c);
  const seconds = (performance.now() - start) / 1000;
  const updates = latency.count;
  return { updates, seconds, updatesPerS: updates / seconds, latency, ingest, latencyFromDue, dropped, maxInFlight };
}
