/** Loopback helpers for tests that start real processes (test/support/chaos/run.ts, test/support/scale/run.ts). */
import { createConnection, createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });

/** Whether something accepts connections on 127.0.0.1:`port`. */
export const accepts = (port: number): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const s = createConnection(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
