import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiConfig, ApiService } from '@syndicate/api';
import { topicNames } from '@syndicate/contracts';
import { DeliveryConfig } from '@syndicate/delivery';
import { EnricherConfig } from '@syndicate/enricher';
import { FanoutConfig } from '@syndicate/fanout';
import { kafkaSecurity } from '@syndicate/kafka-runtime';
import { createLogger, createMetricsRegistry, Readiness, serveMetrics } from '@syndicate/observability';
import { bullPrefix, WEBHOOK_BATCH_QUEUE } from '@syndicate/redis-runtime';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { unknownFields } from './known-fields.js';
import { type K8sObject, parseEnvFile, parseYaml, podContainers, podSpec, render, splitImage } from './kustomize.js';

// infra/k8s rendered as `kubectl apply -k` would render each overlay, every object checked against the Kubernetes
// (and KEDA) schemas, then against the code it deploys: the probes and scrape annotations against the services'
// real HTTP servers, the environment against the services' config schemas, the autoscalers' triggers against the
// topics, groups and queue keys the services use with that environment.

const root = join(import.meta.dirname, '..', '..');
const k8s = join(root, 'infra/k8s');
const overlays = readdirSync(join(k8s, 'overlays'));

/** Each service's config schema: what its process reads from the environment (unknown names are ignored there). */
const SCHEMAS: Record<string, z.ZodObject> = { api: ApiConfig, enricher: EnricherConfig, fanout: FanoutConfig, delivery: DeliveryConfig };

/** Read by Node itself rather than by a config schema: a private CA for Kafka's and Redis's TLS. */
const NODE_VARIABLES = ['NODE_EXTRA_CA_CERTS'];

/** KEDA's names for the SASL mechanisms (its kafka trigger's `sasl`). */
const KEDA_SASL: Record<string, string> = { plain: 'plaintext', 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512' };

/** What the Kafka consumers read (services/*\/src/*-service.ts), and the setting that names each one's group. */
const CONSUMERS: Record<
  string,
  { topic: (t: ReturnType<typeof topicNames>) => string; group: (config: Record<string, unknown>) => unknown }
> = {
  enricher: { topic: (t) => t.articleEvents, group: (c) => c.ENRICHER_GROUP_ID },
  fanout: { topic: (t) => t.articleEnriched, group: (c) => c.FANOUT_GROUP_ID },
};
/** The BullMQ queues whose backlog may scale a service: the delivery service works the article batches. */
const QUEUES: Record<string, string[]> = { delivery: [WEBHOOK_BATCH_QUEUE] };

/** Where the model of each kind the manifests use lives: its class validates, its interface types the fields. */
const MODELS: Record<string, string> = {
  'apps/v1 Deployment': 'kubernetes-models/apps/v1/Deployment',
  'v1 Service': 'kubernetes-models/v1/Service',
  'v1 ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1 Secret': 'kubernetes-models/v1/Secret',
  'policy/v1 PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1 Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'autoscaling/v2 HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'keda.sh/v1alpha1 ScaledObject': '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
  'keda.sh/v1alpha1 TriggerAuthentication': '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
};

function modelOf(object: K8sObject): string {
  const model = MODELS[`${object.apiVersion} ${object.kind}`];
  if (!model) throw new Error(`${id(object)}: no schema for ${object.apiVersion} ${object.kind} here (add its kubernetes-models module)`);
  return model;
}

/** Validates an object against its JSON schema (kubernetes-models), naming the object in the error. */
async function validate(object: K8sObject) {
  const Model = (await import(modelOf(object)))[object.kind] as new (data: K8sObject) => { validate(): void };
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${id(object)}: ${(error as Error).message}`);
  }
}

/** Valid stand-ins for values that come from a Secret (the committed examples hold placeholders). */
const TEST_SECRETS: Record<string, string> = {
  SYNDICATE_ADMIN_TOKEN: randomBytes(16).toString('hex'),
  SYNDICATE_SECRET_KEY: `k1:${randomBytes(32).toString('base64')}`,
};

// The local overlay's secrets.env is git-ignored: its committed example stands in for it, as in a fresh checkout.
const readFile = (path: string) => readFileSync(path.endsWith('/secrets.env') ? `${path}.example` : path, 'utf8');

/** The Secret the cluster provides where no overlay generates one: its shape, with placeholders. */
const secretExample = parseYaml(readFileSync(join(k8s, 'base/secret.example.yaml'), 'utf8'), 'secret.example.yaml');

/** How long a process may take to stop after SIGTERM (runUntilSignalled's deadline, which every main.ts uses). */
const stopTimeoutMs = Number(
  /stopTimeoutMs = ([\d_]+)/.exec(readFileSync(join(root, 'packages/lifecycle/src/index.ts'), 'utf8'))?.[1]?.replaceAll('_', ''),
);
/** The image's user (the Containerfile's USER). */
const imageUser = Number(/^USER\s+(\d+)\s*$/m.exec(readFileSync(join(root, 'Containerfile'), 'utf8'))?.[1]);

const id = (o: K8sObject) => `${o.kind} ${o.metadata?.name}`;
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const syndicate = (objects: K8sObject[]) =>
  ofKind(objects, 'Deployment').filter((d) => d.metadata.labels?.['app.kubernetes.io/part-of'] === 'syndicate');
/** The service a Deployment runs: the image's command (entrypoint.sh) is the container's first argument. */
const serviceOf = (deployment: K8sObject): string => podContainers(deployment)[0]?.args?.[0];

// Live servers ---------------------------------------------------------------------------------------------

/** A service's HTTP server, running in this process, with its dependencies' state under the test's control. */
interface Live {
  port: number;
  setDependencies(up: boolean): void;
  close(): Promise<void>;
}

const live: Record<string, Live> = {};
const logger = createLogger('k8s-test', 'silent', 'json');

/** Readiness over a dependency the test switches, checked afresh at every probe. */
function switchedReadiness() {
  let up = true;
  const readiness = new Readiness({
    checks: {
      kafka: async () => {
        if (!up) throw new Error('switched off by the test');
      },
    },
    logger,
    maxAgeMs: 0,
  });
  return {
    readiness,
    set: (value: boolean) => {
      up = value;
    },
  };
}

beforeAll(async () => {
  // The API as ApiService builds it (every route), its Kafka and Redis unreachable and never started: only the
  // server answers. Its readiness is swapped for a switch.
  const config = ApiConfig.parse({ KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent', ...TEST_SECRETS });
  const api = new ApiService(config, logger);
  const apiReadiness = switchedReadiness();
  api.deps.readiness = apiReadiness.readiness;
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  live.api = {
    port: typeof address === 'object' && address ? address.port : 0,
    setDependencies: apiReadiness.set,
    close: () => api.stop(),
  };
  // The workers' server is serveMetrics (lifecycle's metricsEndpoint starts it), with the service's readiness.
  for (const name of ['enricher', 'fanout', 'delivery']) {
    const { readiness, set } = switchedReadiness();
    const server = await serveMetrics(createMetricsRegistry(name), 0, { host: '127.0.0.1', readiness: () => readiness.current() });
    live[name] = { port: server.port, setDependencies: set, close: server.close };
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(live).map((server) => server.close()));
});

async function get(service: string, path: string, dependenciesUp: boolean) {
  const server = live[service];
  if (!server) throw new Error(`no live server for ${service}`);
  server.setDependencies(dependenciesUp);
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

// Resolving what a pod gets --------------------------------------------------------------------------------

interface Setting {
  value: string;
  fromSecret: boolean;
}

function findObject(objects: K8sObject[], kind: string, name: string, namespace: string | undefined): K8sObject | undefined {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
  // A Secret no overlay generates is the cluster's, shaped as secret.example.yaml.
  if (!found && kind === 'Secret' && !objects.some((o) => o.kind === 'Secret')) return secretExample.find((o) => o.metadata.name === name);
  return found;
}

const dataOf = (o: K8sObject): Record<string, string> =>
  o.kind === 'Secret'
    ? {
        ...Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()])),
        ...o.stringData,
      }
    : { ...o.data };

/** The environment a container starts with: envFrom in order, then env, each later source winning. */
function environmentOf(objects: K8sObject[], workload: K8sObject, container: K8sObject): Map<string, Setting> {
  const ns = workload.metadata.namespace;
  const env = new Map<string, Setting>();
  const where = `${id(workload)}, container ${container.name}`;
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const source = findObject(objects, kind, ref.name, ns);
    if (!source) throw new Error(`${where}: envFrom ${kind} ${ref.name} does not exist`);
    for (const [key, value] of Object.entries(dataOf(source)))
      env.set(`${from.prefix ?? ''}${key}`, { value, fromSecret: kind === 'Secret' });
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env.set(variable.name, { value: String(variable.value), fromSecret: false });
      continue;
    }
    const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
    if (!ref) throw new Error(`${where}: ${variable.name} comes from neither a value nor a ConfigMap or Secret key`);
    const kind = variable.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const source = findObject(objects, kind, ref.name, ns);
    const value = source && dataOf(source)[ref.key];
    if (value === undefined) throw new Error(`${where}: ${variable.name} reads ${ref.key} of ${kind} ${ref.name}, which does not exist`);
    env.set(variable.name, { value, fromSecret: kind === 'Secret' });
  }
  return env;
}

/** The service's parsed config under that environment (Secret values replaced by valid test values). */
function configOf(objects: K8sObject[], deployment: K8sObject): Record<string, unknown> {
  const service = serviceOf(deployment);
  const schema = SCHEMAS[service];
  if (!schema) throw new Error(`${id(deployment)} runs '${service}', which is not a service`);
  const env = environmentOf(objects, deployment, podContainers(deployment)[0] as K8sObject);
  const input = Object.fromEntries([...env].map(([name, s]) => [name, s.fromSecret ? (TEST_SECRETS[name] ?? s.value) : s.value]));
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new Error(`${id(deployment)}: the ${service} service would refuse its configuration:\n${z.prettifyError(parsed.error)}`);
  // Refused at start too: a SASL mechanism without its credentials.
  kafkaSecurity(parsed.data as unknown as Parameters<typeof kafkaSecurity>[0]);
  return parsed.data as Record<string, unknown>;
}

/** Where the service's own server listens, by its config (ApiService.start and the workers' main.ts read these). */
function listening(service: string, config: Record<string, unknown>): { port: unknown; host: unknown } {
  return service === 'api' ? { port: config.PORT, host: config.HOST } : { port: config.METRICS_PORT, host: config.METRICS_HOST };
}

function containerPort(container: K8sObject, port: string | number): number | undefined {
  if (typeof port === 'number') return container.ports?.some((p: K8sObject) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p: K8sObject) => p.name === port)?.containerPort;
}

/** Kubernetes quantities (cpu and memory) as numbers, for comparing requests with limits. */
function quantity(value: string | number): number {
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value));
  if (!match) throw new Error(`quantity '${value}'`);
  const factor = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

/** The fewest pods a Deployment runs: its autoscaler's minimum, else its replica count (1 when unset). */
function fewestPods(objects: K8sObject[], deployment: K8sObject): number {
  const name = deployment.metadata.name;
  const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === name);
  const scaled = ofKind(objects, 'ScaledObject').find((s) => s.spec.scaleTargetRef.name === name);
  return hpa?.spec.minReplicas ?? scaled?.spec.minReplicaCount ?? deployment.spec.replicas ?? 1;
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** How long a preStop hook holds the pod before SIGTERM: a sleep action, or node waiting on a timer. */
function preStopSeconds(container: K8sObject): number {
  const hook = container.lifecycle?.preStop;
  if (!hook) return 0;
  if (hook.sleep) return hook.sleep.seconds;
  const command: string[] = hook.exec?.command ?? [];
  const timer = command[0] === 'node' && command[1] === '-e' ? /^setTimeout\(\(\) => \{\}, (\d+)\)$/.exec(command[2] ?? '') : null;
  if (!timer) throw new Error(`preStop ${JSON.stringify(hook)}: not a pause this test can measure`);
  return Number(timer[1]) / 1_000;
}

// The tests ------------------------------------------------------------------------------------------------

test('the facts the checks derive from the code are found', () => {
  expect(stopTimeoutMs).toBeGreaterThan(0);
  expect(imageUser).toBeGreaterThan(0);
  expect(Object.keys(SCHEMAS).sort()).toEqual(readdirSync(join(root, 'services')).sort());
  // The servers the probes are checked against listen where the config says.
  expect(readFileSync(join(root, 'services/api/src/api-service.ts'), 'utf8')).toMatch(
    /listen\(\{ port: this\.config\.PORT, host: this\.config\.HOST \}\)/,
  );
  for (const worker of ['enricher', 'fanout', 'delivery']) {
    expect(readFileSync(join(root, `services/${worker}/src/main.ts`), 'utf8'), worker).toMatch(
      /metricsEndpoint\([^;]*config\.METRICS_PORT[^;]*host: config\.METRICS_HOST/s,
    );
  }
});

test('the Secret example is a valid Secret with only settings the services know', async () => {
  const known = new Set(Object.values(SCHEMAS).flatMap((schema) => Object.keys(schema.shape)));
  for (const secret of secretExample) {
    await validate(secret);
    for (const key of Object.keys(dataOf(secret))) expect(known, `${key} in secret.example.yaml`).toContain(key);
  }
  const localKeys = parseEnvFile(readFile(join(k8s, 'overlays/local/secrets.env')), 'secrets.env.example').map(([key]) => key);
  expect(localKeys.sort()).toEqual(Object.keys(dataOf(secretExample[0] as K8sObject)).sort());
});

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = render(join(k8s, 'overlays', overlay), { readFile });
  const deployments = syndicate(objects);

  test('every object is valid against its Kubernetes or KEDA schema', async () => {
    for (const object of objects) await validate(object);
  });

  test('every service runs, from a pinned image, as the image user, locked down', () => {
    expect(deployments.map(serviceOf).sort()).toEqual(Object.keys(SCHEMAS).sort());
    for (const workload of ofKind(objects, 'Deployment')) {
      for (const container of podContainers(workload)) {
        const { tag, digest } = splitImage(container.image);
        expect(digest ?? tag, `${id(workload)}: ${container.image} needs a tag or digest`).toBeDefined();
        expect(tag, `${id(workload)}: ${container.image}`).not.toBe('latest');
      }
    }
    for (const deployment of deployments) {
      const pod = podSpec(deployment) as K8sObject;
      expect(pod.securityContext, id(deployment)).toMatchObject({ runAsNonRoot: true, runAsUser: imageUser });
      for (const container of podContainers(deployment)) {
        expect(container.securityContext, id(deployment)).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(container.securityContext.capabilities?.drop, id(deployment)).toContain('ALL');
        for (const resource of ['cpu', 'memory']) {
          const { requests, limits } = container.resources ?? {};
          expect(requests?.[resource], `${id(deployment)}: ${resource} request`).toBeDefined();
          expect(limits?.[resource], `${id(deployment)}: ${resource} limit`).toBeDefined();
          expect(quantity(requests[resource]), `${id(deployment)}: ${resource} request over its limit`).toBeLessThanOrEqual(
            quantity(limits[resource]),
          );
        }
        const graceSeconds = pod.terminationGracePeriodSeconds ?? 30;
        expect(graceSeconds, `${id(deployment)}: time to stop`).toBeGreaterThanOrEqual(preStopSeconds(container) + stopTimeoutMs / 1_000);
      }
    }
  });

  test('every variable set is one the service reads, and its config parses', () => {
    for (const deployment of deployments) {
      const known = [...Object.keys((SCHEMAS[serviceOf(deployment)] as z.ZodObject).shape), ...NODE_VARIABLES];
      for (const container of podContainers(deployment)) {
        for (const name of environmentOf(objects, deployment, container).keys()) {
          expect(known, `${id(deployment)} sets ${name}, which the ${serviceOf(deployment)} service does not read`).toContain(name);
        }
      }
      configOf(objects, deployment);
    }
  });

  test("probes and scrape annotations point at the service's own server, at routes that answer", async () => {
    for (const deployment of deployments) {
      const service = serviceOf(deployment);
      const config = configOf(objects, deployment);
      const where = listening(service, config);
      const container = podContainers(deployment)[0] as K8sObject;
      expect(where.port, `${id(deployment)}: the port its server listens on`).toBeTypeOf('number');
      expect(['0.0.0.0', '::'], `${id(deployment)}: a server on ${where.host} cannot be probed from the node`).toContain(where.host);
      expect(container.livenessProbe, `${id(deployment)}: liveness`).toBeDefined();
      expect(container.readinessProbe, `${id(deployment)}: readiness`).toBeDefined();
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
        const probe = container[kind];
        if (!probe) continue;
        const label = `${id(deployment)} ${kind} ${probe.httpGet?.path}`;
        expect(probe.httpGet, `${label}: an HTTP probe`).toBeDefined();
        expect(containerPort(container, probe.httpGet.port), `${label}: port ${probe.httpGet.port}`).toBe(where.port);
        // Liveness and start-up must not hang on Kafka or Redis: an outage would restart every pod, or keep
        // new ones from ever starting. Readiness must.
        expect((await get(service, probe.httpGet.path, false)).status, `${label}, dependencies down`).toBe(
          kind === 'readinessProbe' ? 503 : 200,
        );
        expect((await get(service, probe.httpGet.path, true)).status, `${label}, dependencies up`).toBe(200);
      }
      const annotations = deployment.spec.template.metadata.annotations ?? {};
      expect(annotations['prometheus.io/scrape'], `${id(deployment)}: scraped`).toBe('true');
      expect(Number(annotations['prometheus.io/port']), `${id(deployment)}: scrape port`).toBe(where.port);
      const metrics = await get(service, annotations['prometheus.io/path'] ?? '/metrics', true);
      expect(metrics.status, `${id(deployment)}: scrape path`).toBe(200);
      expect(metrics.type, `${id(deployment)}: scrape path`).toMatch(/^text\/plain/);
      expect(metrics.body).toContain('# HELP');
    }
  });

  test('every service has a PodDisruptionBudget that lets a drain proceed', () => {
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    for (const deployment of deployments) {
      const podLabels = deployment.spec.template.metadata.labels;
      expect(selects(deployment.spec.selector.matchLabels, podLabels), `${id(deployment)}: selector`).toBe(true);
      const mine = budgets.filter((b) => selects(b.spec.selector?.matchLabels, podLabels));
      expect(mine.map(id), `${id(deployment)}: budgets`).toHaveLength(1);
      const budget = mine[0] as K8sObject;
      const others = ofKind(objects, 'Deployment').filter((d) => d !== deployment);
      expect(others.filter((d) => selects(budget.spec.selector.matchLabels, d.spec.template.metadata.labels)).map(id), id(budget)).toEqual(
        [],
      );
      const { minAvailable, maxUnavailable } = budget.spec;
      expect(
        [minAvailable, maxUnavailable].filter((v) => v !== undefined),
        `${id(budget)}: one of minAvailable, maxUnavailable`,
      ).toHaveLength(1);
      // A budget that can never be met blocks every drain: at the fewest pods, one must be allowed to go.
      const fewest = fewestPods(objects, deployment);
      const ofPods = (v: string | number) => (typeof v === 'number' ? v : Math.ceil((fewest * Number.parseFloat(v)) / 100));
      if (maxUnavailable !== undefined) expect(ofPods(maxUnavailable), id(budget)).toBeGreaterThanOrEqual(1);
      else expect(ofPods(minAvailable), `${id(budget)} at ${fewest} pods`).toBeLessThan(fewest);
    }
  });

  test('each Deployment has at most one autoscaler, which owns its replica count', () => {
    const autoscalers = [...ofKind(objects, 'HorizontalPodAutoscaler'), ...ofKind(objects, 'ScaledObject')];
    const targets = autoscalers.map((a) => a.spec.scaleTargetRef.name as string);
    for (const [index, target] of targets.entries()) {
      const autoscaler = autoscalers[index] as K8sObject;
      const deployment = ofKind(objects, 'Deployment').find((d) => d.metadata.name === target);
      expect(deployment, `${id(autoscaler)} scales ${target}, which is no Deployment here`).toBeDefined();
      expect(autoscaler.spec.scaleTargetRef.kind ?? 'Deployment', id(autoscaler)).toBe('Deployment');
      expect(
        targets.filter((t) => t === target),
        `${target} has more than one autoscaler`,
      ).toHaveLength(1);
      // A count in the manifest would be put back at every apply, fighting the autoscaler.
      expect(deployment?.spec.replicas, `${target}: replicas set beside ${id(autoscaler)}`).toBeUndefined();
    }
  });

  test("KEDA's triggers name the topics, consumer groups and queue keys the services use", () => {
    for (const scaled of ofKind(objects, 'ScaledObject')) {
      const deployment = deployments.find((d) => d.metadata.name === scaled.spec.scaleTargetRef.name) as K8sObject;
      const service = serviceOf(deployment);
      const config = configOf(objects, deployment);
      const env = environmentOf(objects, deployment, podContainers(deployment)[0] as K8sObject);
      const triggers: K8sObject[] = scaled.spec.triggers;
      // The fallback: CPU still scales when the lag or the queue cannot be read.
      expect(
        triggers.map((t) => t.type),
        id(scaled),
      ).toContain('cpu');
      for (const trigger of triggers) {
        const m = trigger.metadata;
        if (trigger.type === 'kafka') {
          const consumer = CONSUMERS[service];
          expect(consumer, `${id(scaled)}: ${service} consumes no topic`).toBeDefined();
          const brokers = m.bootstrapServersFromEnv !== undefined ? env.get(m.bootstrapServersFromEnv)?.value : m.bootstrapServers;
          expect(brokers, `${id(scaled)}: brokers`).toBe(config.KAFKA_BROKERS);
          expect(m.topic, `${id(scaled)}: topic`).toBe(consumer?.topic(topicNames(config.TOPIC_PREFIX as string)));
          expect(m.consumerGroup, `${id(scaled)}: consumer group`).toBe(consumer?.group(config));
          // KEDA's own client must reach the brokers as the service does.
          expect(m.tls === 'enable', `${id(scaled)}: tls "enable" exactly when KAFKA_SSL`).toBe(config.KAFKA_SSL);
          const mechanism = config.KAFKA_SASL_MECHANISM as string | undefined;
          expect(m.sasl ?? 'none', `${id(scaled)}: sasl`).toBe(mechanism === undefined ? 'none' : KEDA_SASL[mechanism]);
          if (mechanism !== undefined) {
            const auth = ofKind(objects, 'TriggerAuthentication').find((a) => a.metadata.name === trigger.authenticationRef?.name);
            expect(auth, `${id(scaled)}: a TriggerAuthentication with the SASL credentials`).toBeDefined();
            for (const parameter of ['username', 'password']) {
              const ref = auth?.spec.secretTargetRef?.find((r: K8sObject) => r.parameter === parameter);
              // Looked up under the name in the manifest: kustomize does not rewrite it to a generated Secret's.
              const secret = ref && findObject(objects, 'Secret', ref.name, auth?.metadata.namespace);
              expect(secret && dataOf(secret)[ref.key], `${id(auth ?? scaled)}: ${parameter} from ${ref?.name}/${ref?.key}`).toBeDefined();
            }
          }
        } else if (trigger.type === 'redis') {
          const redis = new URL(config.REDIS_URL as string);
          expect(m.address, `${id(scaled)}: address`).toBe(`${redis.hostname}:${redis.port || 6379}`);
          expect(m.databaseIndex ?? '0', `${id(scaled)}: database`).toBe(redis.pathname.slice(1) || '0');
          expect(m.enableTLS ?? 'false', `${id(scaled)}: TLS`).toBe(String(redis.protocol === 'rediss:'));
          // BullMQ keeps a queue's waiting jobs in the list <prefix>:<queue>:wait.
          const lists = (QUEUES[service] ?? []).map((queue) => `${bullPrefix(config.REDIS_KEY_PREFIX as string)}:${queue}:wait`);
          expect(lists, `${id(scaled)}: list`).toContain(m.listName);
        } else {
          expect(trigger.type, id(scaled)).toBe('cpu');
        }
      }
    }
  });

  test('the API is reachable through its Service and Ingress at its public address', () => {
    const api = deployments.find((d) => serviceOf(d) === 'api') as K8sObject;
    const config = configOf(objects, api);
    const container = podContainers(api)[0] as K8sObject;
    const services = ofKind(objects, 'Service').filter((s) => selects(s.spec.selector, api.spec.template.metadata.labels));
    expect(services.map(id)).toHaveLength(1);
    for (const port of services[0]?.spec.ports ?? []) expect(containerPort(container, port.targetPort ?? port.port)).toBe(config.PORT);
    const ingresses = ofKind(objects, 'Ingress');
    expect(ingresses.map(id)).toHaveLength(1);
    for (const ingress of ingresses) {
      for (const rule of ingress.spec.rules) {
        for (const { backend } of rule.http.paths) {
          const target = ofKind(objects, 'Service').find((s) => s.metadata.name === backend.service.name);
          expect(target, `${id(ingress)}: Service ${backend.service.name}`).toBeDefined();
          expect(
            target?.spec.ports.some((p: K8sObject) => p.name === backend.service.port.name || p.port === backend.service.port.number),
            `${id(ingress)}: port`,
          ).toBe(true);
        }
      }
      // Feed links and WebSub topics are built on PUBLIC_BASE_URL: it must be the address the Ingress serves.
      const hosts = ingress.spec.rules.map((r: K8sObject) => r.host).filter(Boolean);
      if (hosts.length > 0) {
        const url = new URL(config.PUBLIC_BASE_URL as string);
        expect(hosts, `${id(ingress)}: PUBLIC_BASE_URL's host`).toContain(url.hostname);
        const tls = (ingress.spec.tls ?? []).some((t: K8sObject) => t.hosts?.includes(url.hostname));
        expect(url.protocol, `${id(ingress)}: PUBLIC_BASE_URL's scheme`).toBe(tls ? 'https:' : 'http:');
      }
      const bodySize = ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'];
      if (bodySize !== undefined) {
        const bytes = quantity(
          String(bodySize).replace(/^(\d+)([kmg])$/i, (_all, n, unit) => `${n}${{ k: 'Ki', m: 'Mi', g: 'Gi' }[unit.toLowerCase() as 'k']}`),
        );
        expect(bytes, `${id(ingress)}: the batch route takes up to MAX_BATCH_BODY_BYTES`).toBeGreaterThanOrEqual(
          config.MAX_BATCH_BODY_BYTES as number,
        );
      }
    }
  });
});

test('no object has a field its Kubernetes type does not know', () => {
  const objects = [
    ...overlays.flatMap((overlay) => render(join(k8s, 'overlays', overlay), { readFile }).map((object) => ({ overlay, object }))),
    ...secretExample.map((object) => ({ overlay: 'base/secret.example.yaml', object })),
  ];
  const typed = objects.map(({ overlay, object }) => ({
    label: `${overlay}: ${id(object)}`,
    module: modelOf(object),
    type: `I${object.kind}`,
    object,
  }));
  expect(unknownFields(typed)).toEqual([]);
}, 60_000);
