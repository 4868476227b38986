/**
 * The parts of the chaos run (test/support/chaos/) that play Telegram and the network: webhook
 * delivery with redelivery over several bot processes, and the TCP proxy that cuts connections. A wrong harness would pass a broken app.
 */
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Telegraf } from 'telegraf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { WebhookDelivery } from '../support/stand-in/webhook-delivery.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { textUpdate, userFor } from '../support/updates.js';
import { sleep, waitFor } from '../support/wait.js';

interface Hit {
  target: string;
  updateId: number;
  chat: number;
  secret: string | undefined;
}

/** A bot process stand-in: answers each POST with `status(updateId)` and logs it. */
async function botProcess(name: string, hits: Hit[], status: (updateId: number) => number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const update = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { update_id: number; message: { chat: { id: number } } };
      hits.push({ target: name, updateId: update.update_id, chat: update.message.chat.id, secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined });
      res.writeHead(status(update.update_id)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

/** What a bot process does at start: setWebhook (the delivery then points it at each attempt's target). */
const register = (api: BotApiStandIn, url: string) => new Telegraf(api.token, { telegram: { apiRoot: api.apiRoot } }).telegram.setWebhook(url);

describe('WebhookDelivery', () => {
  let api: BotApiStandIn;
  const servers: Server[] = [];
  beforeEach(async () => {
    api = await new BotApiStandIn().start();
  });
  afterEach(async () => {
    await api.stop();
    for (const s of servers.splice(0)) s.close();
  });

  it('redelivers what was not answered 2xx, keeps each chat in order, spreads the calls over the targets', async () => {
    const hits: Hit[] = [];
    const failedOnce = new Set<number>();
    // Every update fails its first delivery with 500.
    const status = (id: number) => (failedOnce.has(id) ? 200 : (failedOnce.add(id), 500));
    const a = await botProcess('a', hits, status);
    const b = await botProcess('b', hits, status);
    servers.push(a.server, b.server);
    await register(api, a.url);
    const delivery = new WebhookDelivery(api, { targets: [a.url, b.url], secret: 'hook-secret', backoffMs: 10 });
    const alice = userFor(1_001);
    const bob = userFor(1_002);
    const sent = [delivery.enqueue(textUpdate(alice, 'one')), delivery.enqueue(textUpdate(bob, 'one')), delivery.enqueue(textUpdate(alice, 'two'))];
    expect(await delivery.idle(5_000)).toBe(true);
    expect([...delivery.acknowledged].sort()).toEqual(sent.map((u) => u.update_id).sort());
    expect(hits).toHaveLength(6);
    expect(delivery.failures).toBe(3);
    expect(new Set(hits.map((h) => h.target))).toEqual(new Set(['a', 'b']));
    expect(hits.every((h) => h.secret === 'hook-secret')).toBe(true);
    // Alice's second update is only sent once her first was acknowledged.
    const aliceHits = hits.filter((h) => h.chat === alice.id).map((h) => h.updateId);
    expect(aliceHits).toEqual([sent[0]!.update_id, sent[0]!.update_id, sent[2]!.update_id, sent[2]!.update_id]);
  });

  it('a refused connection (a killed process) is retried until the process is back', async () => {
    const hits: Hit[] = [];
    const probe = await botProcess('probe', hits, () => 200);
    const url = probe.url;
    await new Promise<void>((resolve) => probe.server.close(() => resolve()));
    await register(api, url);
    const delivery = new WebhookDelivery(api, { targets: [url], secret: 's', backoffMs: 20, maxBackoffMs: 50 });
    const update = delivery.enqueue(textUpdate(userFor(1_003), 'hello'));
    await waitFor('a failed attempt', () => delivery.failures >= 2, { timeoutMs: 5_000 });
    expect(delivery.acknowledged.has(update.update_id)).toBe(false);
    // The process comes back on the same port.
    const port = Number(new URL(url).port);
    const again = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => again.listen(port, '127.0.0.1', resolve));
    servers.push(again);
    expect(await delivery.idle(5_000)).toBe(true);
    expect(delivery.acknowledged.has(update.update_id)).toBe(true);
    expect(delivery.statuses.get('error')).toBeGreaterThanOrEqual(2);
  });
});

describe('TcpProxy', () => {
  let echo: TcpServer;
  let proxy: TcpProxy;
  beforeEach(async () => {
    echo = createTcpServer((s) => {
      // The proxy resets its upstream connections on a cut.
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await new TcpProxy('127.0.0.1', (echo.address() as AddressInfo).port).start();
  });
  afterEach(async () => {
    await proxy.stop();
    echo.close();
  });

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(proxy.port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  const roundTrip = (s: Socket, text: string) =>
    new Promise<string>((resolve, reject) => {
      s.once('data', (d: Buffer) => resolve(d.toString()));
      s.once('error', reject);
      s.write(text);
    });
  /** Resolves once the socket is closed by the other side (reset or not). */
  const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

  it('passes bytes through; cut() drops every connection and refuses new ones for a while, then lets them in', async () => {
    const s = await open();
    expect(await roundTrip(s, 'ping')).toBe('ping');
    s.on('error', () => undefined);
    proxy.cut(300);
    await closed(s);
    expect(proxy.cutConnections).toBe(1);
    // During the cut a new connection is reset at once.
    const refused = connect(proxy.port, '127.0.0.1');
    refused.on('error', () => undefined);
    await closed(refused);
    await sleep(350);
    const later = await open();
    expect(await roundTrip(later, 'back')).toBe('back');
    later.destroy();
  });
});
