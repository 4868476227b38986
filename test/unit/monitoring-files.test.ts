/**
 * The monitoring profile cannot run here (no Docker): its files are checked by reading them.
 * docker-compose.yml's Prometheus and Grafana are under the `monitoring` profile and mount files
 * that exist; Prometheus scrapes the bot and worker services on the admin port they are given;
 * Grafana's data source is the one the dashboard names; and every metric a dashboard panel
 * queries is one the app exposes (so renaming a metric without the dashboard fails here).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/server/metrics.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// Compose files use `<<: *anchor` merge keys (YAML 1.1); `merge: true` applies them as Compose does.
const yaml = (path: string): any => parse(read(path), { merge: true });

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}

const compose = yaml('docker-compose.yml');
const dashboard = JSON.parse(read('monitoring/grafana/dashboards/tesla-jd.json')) as { uid: string; title: string; panels: Panel[] };

/** The metric names a PromQL expression reads (label matchers, ranges, `by (…)` and functions left out). */
function metricNames(expr: string): string[] {
  const cleaned = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\bby\s*\([^)]*\)/g, '');
  return [...cleaned.matchAll(/\b[A-Za-z_:][A-Za-z0-9_:]*\b(?!\s*\()/g)].map((m) => m[0]);
}

/** Every series name the app's /metrics can contain (histograms as _bucket, _sum, _count). */
async function exposedNames(): Promise<Set<string>> {
  const text = await new Metrics().render();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    else names.add(name!);
  }
  return names;
}

describe('docker-compose.yml: the monitoring profile', () => {
  it('runs Prometheus and Grafana only with --profile monitoring; the app services start without it', () => {
    expect(compose.services.prometheus.profiles).toEqual(['monitoring']);
    expect(compose.services.grafana.profiles).toEqual(['monitoring']);
    for (const name of ['postgres', 'redis', 'migrate', 'bot', 'worker']) expect(compose.services[name].profiles).toBeUndefined();
    // Published on loopback only.
    expect(compose.services.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(compose.services.grafana.ports).toEqual(['127.0.0.1:3001:3000']);
  });

  it('mounts configuration files that exist in the repository', () => {
    for (const service of ['prometheus', 'grafana']) {
      const binds = (compose.services[service].volumes as string[]).filter((v) => v.startsWith('./'));
      expect(binds.length).toBeGreaterThan(0);
      for (const bind of binds) expect(existsSync(join(root, bind.split(':')[0]!)), bind).toBe(true);
    }
  });

  it('gives bot and worker an admin port on every container interface, never published on the host', () => {
    for (const name of ['bot', 'worker']) {
      const env = compose.services[name].environment;
      expect(env.ADMIN_PORT).toBe('9464');
      expect(env.ADMIN_HOST).toBe('0.0.0.0');
      expect(JSON.stringify(compose.services[name].ports ?? [])).not.toContain('9464');
    }
  });

  it('Prometheus scrapes every bot and worker replica on that port', () => {
    const prometheus = yaml('monitoring/prometheus/prometheus.yml');
    const jobs = new Map<string, any>((prometheus.scrape_configs as any[]).map((j) => [j.job_name, j]));
    for (const service of ['bot', 'worker']) {
      const job = jobs.get(service);
      expect(job, service).toBeDefined();
      expect(job.metrics_path).toBe('/metrics');
      const sd = job.dns_sd_configs[0];
      expect(sd.names).toEqual([service]);
      expect(compose.services[sd.names[0]]).toBeDefined();
      expect(String(sd.port)).toBe(compose.services[service].environment.ADMIN_PORT);
    }
  });

  it('Grafana provisions the Prometheus data source and the dashboards folder it mounts', () => {
    const sources = yaml('monitoring/grafana/provisioning/datasources/prometheus.yml');
    const [source] = sources.datasources;
    expect(source).toMatchObject({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090' });
    const providers = yaml('monitoring/grafana/provisioning/dashboards/dashboards.yml');
    const path = providers.providers[0].options.path as string;
    expect((compose.services.grafana.volumes as string[]).some((v) => v === `./monitoring/grafana/dashboards:${path}:ro`)).toBe(true);
    expect(compose.services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${path}/tesla-jd.json`);
  });
});

describe('the Grafana dashboard', () => {
  it('has the panels an operator needs, laid out on the 24-column grid with unique ids', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const wanted of ['Updates/s', 'Handling latency', 'Queue depths (waiting + delayed)', 'Sends/s against the limit', '429s by method (per minute)', 'Parked updates']) {
      expect(titles).toContain(wanted);
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
  });

  it('queries only metrics the app exposes, from the provisioned data source', async () => {
    const exposed = await exposedNames();
    const queried = new Set<string>();
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource?.uid, p.title).toBe('prometheus');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) for (const name of metricNames(t.expr)) queried.add(name);
    }
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((n) => !exposed.has(n))).toEqual([]);
  });

  it('plots sends/s against the configured budget, which every process exposes', async () => {
    const panel = dashboard.panels.find((p) => p.title === 'Sends/s against the limit')!;
    expect(panel.targets!.map((t) => t.expr).join('\n')).toContain('send_budget_per_second{kind="standard"}');
    const metrics = new Metrics();
    metrics.sendBudget(30, 1000);
    const text = await metrics.render();
    expect(text).toContain('send_budget_per_second{kind="standard"} 30');
    expect(text).toContain('send_budget_per_second{kind="campaign"} 1000');
  });

  it('reads the metric names out of PromQL (the check above relies on it)', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(update_duration_seconds_bucket[5m])))')).toEqual(['update_duration_seconds_bucket']);
    expect(metricNames('max by (queue) (queue_jobs{state="waiting"}) + nodejs_eventloop_lag_p99_seconds')).toEqual(['queue_jobs', 'nodejs_eventloop_lag_p99_seconds']);
  });
});
