import http from 'node:http';

export interface Poster {
  /** POSTs a JSON body; resolves with the status once the whole answer is read. */
  post(body: string): Promise<number>;
  close(): void;
}

/**
 * A lean webhook client: keep-alive connections (unlike Telegram's real webhook calls, and unlike
 * the stand-in's `deliverWebhook`, which opens a fresh connection per update), so the figures
 * measure the bot rather than TCP set-up in the load generator.
 */
export function createPoster(target: string, headers: Record<string, string>, maxSockets: number): Poster {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const base = { 'content-type': 'application/json', ...headers };
  return {
    post(body) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            agent,
            headers: { ...base, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.on('error', reject);
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.resume();
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
