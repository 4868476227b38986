/**
 * docker-compose.yml's scale-out shape, read as Compose would (YAML with merge keys, `${VAR:-default}`
 * interpolation): an nginx reverse proxy (deploy/nginx.conf) published on loopback in front of the
 * bot replicas, the bot and worker services scaled by BOT_REPLICAS / WORKER_REPLICAS (one each by
 * default, for the sandbox), no published port on the bot service (replicas cannot share one), and
 * the proxy's upstream and listen port matching the bot's PORT and the proxy's published port.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rootPath } from '../../src/shared/paths.js';

type Service = {
  image?: string;
  build?: unknown;
  command?: unknown;
  environment?: Record<string, string | null>;
  deploy?: { replicas?: number | string };
  profiles?: string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: unknown;
};

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `$$`, then YAML parsing with merge keys. */
function compose(env: Record<string, string>): { services: Record<string, Service> } {
  const raw = readFileSync(rootPath('docker-compose.yml'), 'utf8');
  const interpolated = raw.replace(/\$\$|\$\{(\w+)(?::-([^}]*))?\}/g, (whole, name: string | undefined, fallback: string | undefined) =>
    whole === '$$' ? '$' : ((env[name!] || fallback) ?? ''),
  );
  return parse(interpolated, { merge: true }) as { services: Record<string, Service> };
}

const nginx = readFileSync(rootPath('deploy/nginx.conf'), 'utf8');

describe('docker-compose.yml: scale-out behind a reverse proxy', () => {
  it('one bot and one worker by default (the sandbox needs one), BOT_REPLICAS=3 and WORKER_REPLICAS=2 scale them', () => {
    const plain = compose({});
    expect(Number(plain.services.bot!.deploy?.replicas)).toBe(1);
    expect(Number(plain.services.worker!.deploy?.replicas)).toBe(1);
    const scaled = compose({ BOT_REPLICAS: '3', WORKER_REPLICAS: '2' });
    expect(Number(scaled.services.bot!.deploy?.replicas)).toBe(3);
    expect(Number(scaled.services.worker!.deploy?.replicas)).toBe(2);
  });

  it('the bot replicas publish no port (they could not share one); the proxy does, on loopback', () => {
    const { services } = compose({ BOT_REPLICAS: '3' });
    expect(services.bot!.ports).toBeUndefined();
    expect(services.bot!.expose).toEqual(['3000']);
    expect(services.bot!.environment).toMatchObject({ APP_ROLE: 'bot', PORT: '3000', SANDBOX_PORT: '3000' });
    expect(services.worker!.environment).toMatchObject({ APP_ROLE: 'worker' });
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^nginx:/);
    expect(proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(proxy.ports).toEqual(['127.0.0.1:3000:8080']);
    expect(proxy.depends_on).toEqual(['bot']);
    // Every service but the proxy runs the app's image; only Postgres and Redis publish ports besides the
    // proxy (the opt-in `monitoring` profile's Prometheus and Grafana are checked in monitoring-files.test.ts).
    const published = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${p}`));
    expect(published.sort()).toEqual(['postgres 127.0.0.1:5432:5432', 'proxy 127.0.0.1:3000:8080', 'redis 127.0.0.1:6379:6379']);
  });

  it('deploy/nginx.conf listens where the proxy is published and round-robins over every bot replica', () => {
    const { services } = compose({});
    const containerPort = services.proxy!.ports![0]!.split(':').at(-1);
    expect(nginx).toMatch(new RegExp(`listen ${containerPort};`));
    // Re-resolved through Docker's DNS, so `bot` is every replica, including ones added later.
    expect(nginx).toMatch(/resolver 127\.0\.0\.11\b/);
    const upstream = /set \$bot_upstream http:\/\/(\w+):(\d+);/.exec(nginx);
    expect(upstream?.slice(1)).toEqual(['bot', services.bot!.environment!.PORT]);
    expect(nginx).toMatch(/proxy_pass \$bot_upstream;/);
    expect(nginx).toMatch(/proxy_next_upstream error timeout http_502 http_503;/);
    // Braces balance (a truncated or mangled file would not).
    expect((nginx.match(/\{/g) ?? []).length).toBe((nginx.match(/\}/g) ?? []).length);
  });
});
