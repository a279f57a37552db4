import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/app/app-config.js';

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
}

interface Container {
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value: string }>;
  envFrom: Array<{ secretRef: { name: string } }>;
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
}

/** The Kubernetes example of the README, read as Kubernetes would, and held against the code. */
describe('the Kubernetes example (deploy/kubernetes/gateway.yaml)', () => {
  let manifests: Manifest[];
  const of = (kind: string): Manifest => {
    const found = manifests.find((manifest) => manifest.kind === kind);
    if (found === undefined) throw new Error(`no ${kind}`);
    return found;
  };
  const container = (): Container => {
    const spec = of('Deployment').spec as { template: { spec: { containers: Container[] } } };
    return spec.template.spec.containers[0];
  };
  /** The environment a replica starts with: its variables and its Secret's. */
  const environment = (): Record<string, string> => ({
    ...Object.fromEntries(container().env.map(({ name, value }) => [name, value])),
    ...of('Secret').stringData,
  });

  beforeAll(async () => {
    const text = await readFile(
      new URL('../deploy/kubernetes/gateway.yaml', import.meta.url),
      'utf8',
    );
    const documents = parseAllDocuments(text);
    for (const document of documents) expect(document.errors).toEqual([]);
    manifests = documents.map((document) => document.toJS() as Manifest);
  });

  it('holds a Secret, a Deployment, a Service, a PodDisruptionBudget and an autoscaler', () => {
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
  });

  it('configures a production gateway that starts: every variable checked as at start-up', () => {
    const env = environment();
    const config = loadConfig(env);
    expect(config.env).toBe('production');
    expect(config.auth.mode).toBe('api-key');
    expect(config.cache.redisUrl).toBe(env.REDIS_URL);
    expect(container().envFrom).toEqual([{ secretRef: { name: of('Secret').metadata.name } }]);
  });

  it('probes routes the gateway serves, on the port it listens on', async () => {
    const openapi = JSON.parse(
      await readFile(new URL('../openapi.json', import.meta.url), 'utf8'),
    ) as { paths: Record<string, unknown> };
    const { readinessProbe, livenessProbe, ports } = container();
    expect(readinessProbe.httpGet.path).toBe('/health/ready');
    expect(livenessProbe.httpGet.path).toBe('/health/live');
    for (const probe of [readinessProbe, livenessProbe]) {
      expect(Object.keys(openapi.paths)).toContain(probe.httpGet.path);
      expect(probe.httpGet.port).toBe('http');
    }
    const env = environment();
    const port = (name: string): number | undefined =>
      ports.find((entry) => entry.name === name)?.containerPort;
    expect(port('http')).toBe(Number(env.PORT));
    expect(port('metrics')).toBe(Number(env.METRICS_PORT));
  });

  it('keeps its parts pointed at one another, and the replicas under the providers’ limits', () => {
    const deployment = of('Deployment');
    const labels = (deployment.spec as { selector: { matchLabels: Record<string, string> } })
      .selector.matchLabels;
    expect((of('Service').spec as { selector: unknown }).selector).toEqual(labels);
    expect(
      (of('PodDisruptionBudget').spec as { selector: { matchLabels: unknown } }).selector
        .matchLabels,
    ).toEqual(labels);
    const autoscaler = of('HorizontalPodAutoscaler').spec as {
      scaleTargetRef: { name: string };
      minReplicas: number;
      maxReplicas: number;
    };
    expect(autoscaler.scaleTargetRef.name).toBe(deployment.metadata.name);
    const budget = of('PodDisruptionBudget').spec as { minAvailable: number };
    expect(autoscaler.minReplicas).toBeGreaterThan(budget.minAvailable);
    // While Redis cannot answer, each replica keeps to 1/RATE_LIMIT_REPLICAS of a limit.
    expect(Number(environment().RATE_LIMIT_REPLICAS)).toBeGreaterThanOrEqual(
      autoscaler.maxReplicas,
    );
    // Kubernetes waits for the drain before it kills.
    const grace = (
      deployment.spec as { template: { spec: { terminationGracePeriodSeconds: number } } }
    ).template.spec.terminationGracePeriodSeconds;
    const env = environment();
    expect(grace * 1000).toBeGreaterThan(
      Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_GRACE_MS),
    );
  });
});
