import http from 'node:http';
import type { Telegram } from 'telegraf';

/**
 * A keep-alive agent for a plain-http Bot API server (self-hosted, or the test stand-in), or
 * undefined for https (telegraf keeps its own keep-alive agent there). telegraf drops the agent of
 * every client it makes for http://, the bot's per-update clients too: without one, every message
 * costs a TCP connection, which delays each send by a connect after its slot of the send budget
 * and makes arrivals jitter against the slots.
 */
export function keepAliveAgent(apiRoot: string): http.Agent | undefined {
  return apiRoot.startsWith('http://') ? new http.Agent({ keepAlive: true, maxSockets: 256 }) : undefined;
}

/** Puts `agent` on the client (no-op without one). */
export function useAgent(telegram: Telegram, agent: http.Agent | undefined): void {
  if (agent) (telegram.options as { agent?: http.Agent }).agent = agent;
}
