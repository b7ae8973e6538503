import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { type AppName, appReadConfig, apps, configVariables, readRepoFile, repoRoot } from './repo.ts';

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

// Every kind the manifests use, with the model that validates it against the Kubernetes OpenAPI schema.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

// OpenShift's Route (route.openshift.io/v1) is not in the Kubernetes schemas: the fields we use, strictly.
const routeSchema = z.strictObject({
  apiVersion: z.literal('route.openshift.io/v1'),
  kind: z.literal('Route'),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    host: z.string().optional(),
    path: z.string().optional(),
    to: z.strictObject({
      kind: z.literal('Service'),
      name: z.string().min(1),
      weight: z.number().int().min(0).max(256).optional(),
    }),
    port: z.strictObject({ targetPort: z.union([z.string().min(1), z.number().int()]) }).optional(),
    tls: z
      .strictObject({
        termination: z.enum(['edge', 'passthrough', 'reencrypt']),
        insecureEdgeTerminationPolicy: z.enum(['Allow', 'Redirect', 'None']).optional(),
      })
      .optional(),
    wildcardPolicy: z.enum(['None', 'Subdomain']).optional(),
  }),
});

const k8sDir = join(repoRoot, 'deploy/k8s');
const kustomizations = [
  ...readdirSync(join(k8sDir, 'base')).map((d) => `base/${d}`),
  ...readdirSync(join(k8sDir, 'overlays')).map((d) => `overlays/${d}`),
];

/** Renders a kustomization with the real kustomize (kubectl's built-in one, v4+ for `labels` and `patches`). */
function render(dir: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', join(k8sDir, dir)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('kubectl is not on PATH: install kubectl (with kustomize v4 or later) to render deploy/k8s');
    throw new Error(`kubectl kustomize deploy/k8s/${dir} failed: ${e.stderr ?? e.message}`);
  }
  return parseAllDocuments(output).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`deploy/k8s/${dir} rendered invalid YAML: ${doc.errors[0]?.message}`);
    return doc.toJS() as K8sObject;
  });
}

const quantityUnits: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
/** A Kubernetes quantity ("512Mi", "500m", "2") as a number of base units. */
function quantity(value: string | number | undefined): number {
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(String(value));
  const unit = match ? quantityUnits[match[2] as string] : undefined;
  if (!match || unit === undefined) throw new Error(`not a Kubernetes quantity: ${value}`);
  return Number(match[1]) * unit;
}

type Probe = {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
};
type Container = {
  name: string;
  image: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: unknown;
  };
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = {
  hostUsers?: boolean;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
};
const podOf = (d: K8sObject) =>
  (d as unknown as { spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } }).spec
    .template;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
/** The kinds that run pods: the apps' Deployments and Redis's StatefulSet. */
const isWorkload = (o: K8sObject) => o.kind === 'Deployment' || o.kind === 'StatefulSet';

type NetworkPolicyPeer = {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: unknown;
};
type NetworkPolicyRule = {
  to?: NetworkPolicyPeer[];
  from?: NetworkPolicyPeer[];
  ports?: { port: number; protocol: string }[];
};
type NetworkPolicyObject = K8sObject & {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
  };
};

describe.each(kustomizations)('deploy/k8s/%s', (dir) => {
  const objects = render(dir);
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const workloads = objects.filter(isWorkload);

  it('renders objects that all validate against their schemas', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const where = `${object.kind}/${object.metadata?.name}`;
      if (object.kind === 'Route') {
        const result = routeSchema.safeParse(object);
        expect(result.success, `${where}: ${result.error?.message}`).toBe(true);
        continue;
      }
      const Kind = models[`${object.apiVersion}/${object.kind}`];
      if (!Kind)
        expect.fail(`${where}: no schema for ${object.apiVersion} ${object.kind}; add its model to k8s.test.ts`);
      expect(() => new Kind(object as never).validate(), where).not.toThrow();
    }
  });

  it('runs every container with probes, requests and limits, and a locked-down security context', () => {
    expect(workloads.length).toBeGreaterThan(0);
    for (const workload of workloads) {
      const pod = podOf(workload).spec;
      expect(pod.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type).toMatch(/^(RuntimeDefault|Localhost)$/);
      expect(pod.automountServiceAccountToken, `${workload.metadata.name} mounts no API token`).toBe(false);
      for (const c of pod.containers) {
        // The apps serve /readyz and /healthz on a named port; Redis is probed by an exec'd redis-cli.
        if (workload.kind === 'Deployment') {
          expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
          expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
        }
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
          expect(probe, `probes of ${c.name}`).toBeDefined();
          const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
          if (port !== undefined)
            expect(
              c.ports.map((p) => p.name),
              `probe port of ${c.name}`,
            ).toContain(port);
          else expect(probe?.exec?.command.length, `probe of ${c.name}`).toBeGreaterThan(0);
        }
        for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
          const request = quantity(c.resources.requests?.[resource]);
          expect(quantity(c.resources.limits?.[resource]), `${c.name} ${resource}`).toBeGreaterThanOrEqual(request);
        }
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
        expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
        expect(c.image, 'images are tagged').toMatch(/:[\w.-]+$/);
      }
    }
  });

  it("uses the apps' ports and variables, with values their config accepts and secrets only from Secrets", async () => {
    for (const deployment of deployments) {
      const app = deployment.metadata.name as AppName;
      const { port } = apps.find((a) => a.name === app) ?? expect.fail(`Deployment ${app} is not one of the apps`);
      const [container] = podOf(deployment).spec.containers;
      expect(container?.ports.map((p) => p.containerPort)).toEqual([port]);
      const variables = configVariables(app);
      const plain: Record<string, string> = {};
      for (const variable of container?.env ?? []) {
        expect(variables, `${app}: ${variable.name} is not one of its variables`).toContain(variable.name);
        if (/TOKEN|KEY|PASSWORD/.test(variable.name))
          expect(variable.value, `${variable.name} must come from a Secret`).toBeUndefined();
        if (variable.value !== undefined) plain[variable.name] = variable.value;
      }
      expect(plain.PORT).toBe(String(port));
      // DATADIR must exist where the config is read: here that is a temporary directory.
      if (plain.DATADIR) plain.DATADIR = mkdtempSync(join(tmpdir(), 'deploy-datadir-'));
      const readConfig = await appReadConfig(app);
      expect(() => readConfig(plain), `${app} env`).not.toThrow();
    }
  });

  it('selects its pods with every Service, and targets a named container port', () => {
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
      const targets = workloads.filter((d) => matches(spec.selector, podOf(d).metadata.labels));
      expect(targets.map((d) => d.metadata.name)).toEqual([service.metadata.name]);
      const portNames = podOf(targets[0] as K8sObject).spec.containers.flatMap((c) => c.ports.map((p) => p.name));
      for (const p of spec.ports) expect(portNames).toContain(p.targetPort);
    }
  });
});

describe('probe paths exist in the apps', () => {
  it.each(['/healthz', '/readyz'])('%s is served by @repo/service, which both apps mount', (path) => {
    expect(readRepoFile('packages/service/src/health.ts')).toContain(`'${path}'`);
    for (const { name } of apps) expect(readRepoFile(`apps/${name}/package.json`)).toContain('"@repo/service"');
  });
});

const codeRunnerObjects = render('base/code-runner');
const redisObjects = render('base/redis');

describe('code-runner', () => {
  const objects = codeRunnerObjects;
  const find = (kind: string) => objects.find((o) => o.kind === kind) ?? expect.fail(`no ${kind} in base/code-runner`);
  const podLabels = podOf(find('Deployment')).metadata.labels;

  it('asks for its own user namespace and requires namespace isolation', () => {
    const pod = podOf(find('Deployment')).spec;
    expect(pod.hostUsers).toBe(false);
    expect(pod.containers[0]?.env).toContainEqual({ name: 'REQUIRE_ISOLATION', value: 'namespaces' });
    expect(readFileSync(join(k8sDir, 'base/code-runner/deployment.yaml'), 'utf8')).toMatch(/refuses to start/);
  });

  it('scales with an autoscaling/v2 HPA and keeps a replica through disruptions', () => {
    const hpa = find('HorizontalPodAutoscaler') as K8sObject & {
      spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
    };
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'code-runner' });
    const pdb = find('PodDisruptionBudget') as K8sObject & {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.minAvailable);
  });

  it('lets its pods reach only Redis (6379) and the cluster DNS (53), and admits only the API port', () => {
    const policy = find('NetworkPolicy') as NetworkPolicyObject;
    expect(matches(policy.spec.podSelector.matchLabels, podLabels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
    // Exactly these rules: anything more (another port, a peer without a selector, an ipBlock) fails here.
    expect(policy.spec.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'code-runner-redis' } } }],
        ports: [{ port: 6379, protocol: 'TCP' }],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
    ]);
    // The Redis peer selects Redis's pods, and not code-runner's own.
    const redisPods = podOf(redisObjects.find((o) => o.kind === 'StatefulSet') as K8sObject).metadata.labels;
    const redisPeer = policy.spec.egress?.[0]?.to?.[0]?.podSelector?.matchLabels ?? {};
    expect(matches(redisPeer, redisPods)).toBe(true);
    expect(matches(redisPeer, podLabels)).toBe(false);
    expect(policy.spec.ingress?.flatMap((rule) => rule.ports?.map((p) => p.port))).toEqual([10100]);
    expect(readFileSync(join(k8sDir, 'base/code-runner/networkpolicy.yaml'), 'utf8')).toMatch(/CALLBACK_ALLOW/);
  });
});

describe("redis (base/redis): Judge0's queue and submissions, shared by the code-runner replicas", () => {
  const objects = redisObjects;
  const find = (kind: string) => objects.find((o) => o.kind === kind) ?? expect.fail(`no ${kind} in base/redis`);
  const statefulSet = find('StatefulSet') as K8sObject & {
    spec: {
      replicas: number;
      serviceName: string;
      selector: { matchLabels: Record<string, string> };
      volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[];
    };
  };
  const pod = podOf(statefulSet);
  const container = pod.spec.containers[0] as Container;
  const args = container.args ?? [];
  /** The value after a redis-server option (`--maxmemory 512mb`). */
  const option = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at < 0 ? undefined : args[at + 1];
  };
  const service = find('Service') as K8sObject & {
    spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
  };
  const codeRunnerPods = podOf(codeRunnerObjects.find((o) => o.kind === 'Deployment') as K8sObject);

  it('runs one replica of the official redis image, pinned to a release, as redis-server', () => {
    expect(statefulSet.spec.replicas).toBe(1);
    expect(matches(statefulSet.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    expect(container.image).toMatch(/^redis:\d+\.\d+\.\d+-alpine$/);
    expect(args[0]).toBe('redis-server');
  });

  it('runs non-root with a read-only root, no capabilities and no privilege escalation', () => {
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.hostUsers).toBeUndefined();
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
      expect(container.resources.requests?.[resource], `request of ${resource}`).toBeDefined();
      expect(container.resources.limits?.[resource], `limit of ${resource}`).toBeDefined();
    }
  });

  it('persists with the append-only file and never evicts (BullMQ requires noeviction), under its memory limit', () => {
    expect(option('appendonly')).toBe('yes');
    expect(option('maxmemory-policy')).toBe('noeviction');
    const maxmemory =
      /^(\d+)(mb|gb)$/.exec(option('maxmemory') ?? '') ?? expect.fail('--maxmemory <n>mb|gb is not set');
    const bytes = Number(maxmemory[1]) * (maxmemory[2] === 'gb' ? 2 ** 30 : 2 ** 20);
    expect(bytes).toBeGreaterThan(0);
    // Room for the copy-on-write of the forked AOF rewrite and for buffers.
    expect(bytes).toBeLessThanOrEqual(quantity(container.resources.limits?.memory) * 0.75);
  });

  it('keeps its data on a volumeClaimTemplate mounted where Redis writes', () => {
    const dir = option('dir') ?? '/data';
    const mount = container.volumeMounts?.find((m) => m.mountPath === dir) ?? expect.fail(`${dir} is not mounted`);
    const claim =
      statefulSet.spec.volumeClaimTemplates?.find((t) => t.metadata.name === mount.name) ??
      expect.fail(`${mount.name} is not a volumeClaimTemplate`);
    expect(quantity(claim.spec.resources.requests.storage)).toBeGreaterThanOrEqual(2 ** 30);
    expect(pod.spec.volumes?.some((v) => v.name === mount.name) ?? false, 'no pod volume shadows the claim').toBe(
      false,
    );
  });

  it("is probed with redis-cli ping, exec'd (its NetworkPolicy admits only code-runner)", () => {
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe?.exec?.command.join(' ')).toMatch(/redis-cli ping/);
    }
  });

  it('serves 6379 through a ClusterIP Service named like the StatefulSet, on a named port', () => {
    expect(service.metadata.name).toBe(statefulSet.metadata.name);
    expect(matches(service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(service.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    expect(container.ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
  });

  it("admits only code-runner's pods, on 6379, and has no egress at all", () => {
    const policy = find('NetworkPolicy') as NetworkPolicyObject;
    expect(matches(policy.spec.podSelector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
    expect(policy.spec.egress ?? []).toEqual([]);
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'code-runner' } } }],
        ports: [{ port: 6379, protocol: 'TCP' }],
      },
    ]);
    const from = policy.spec.ingress?.[0]?.from?.[0]?.podSelector?.matchLabels ?? {};
    expect(matches(from, codeRunnerPods.metadata.labels)).toBe(true);
    expect(matches(from, pod.metadata.labels)).toBe(false);
  });

  it("is what code-runner's REDIS_URL names: the Service's name and port", () => {
    const env = codeRunnerPods.spec.containers[0]?.env ?? [];
    const value = env.find((e) => e.name === 'REDIS_URL')?.value ?? expect.fail('code-runner has no REDIS_URL');
    const url = new URL(value);
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe(service.metadata.name);
    expect(Number(url.port)).toBe(service.spec.ports[0]?.port);
  });

  it.each(readdirSync(join(k8sDir, 'overlays')))('is included by overlays/%s, beside code-runner', (overlay) => {
    const rendered = render(`overlays/${overlay}`);
    const named = (kind: string, name: string) => rendered.find((o) => o.kind === kind && o.metadata.name === name);
    const redis = named('StatefulSet', statefulSet.metadata.name) ?? expect.fail('no Redis StatefulSet');
    for (const kind of ['Service', 'NetworkPolicy', 'ServiceAccount'])
      expect(named(kind, statefulSet.metadata.name), kind).toBeDefined();
    const codeRunner = named('Deployment', 'code-runner') ?? expect.fail('no code-runner Deployment');
    expect(redis.metadata.namespace).toBe(codeRunner.metadata.namespace);
    // code-runner's egress to Redis still selects Redis's pods there.
    const policy = named('NetworkPolicy', 'code-runner') as NetworkPolicyObject;
    const redisRule = policy.spec.egress?.find((rule) => rule.ports?.some((p) => p.port === 6379));
    expect(matches(redisRule?.to?.[0]?.podSelector?.matchLabels ?? {}, podOf(redis).metadata.labels)).toBe(true);
  });
});

describe('testero', () => {
  const deployment = render('base/testero').find((o) => o.kind === 'Deployment') as K8sObject;
  const pod = podOf(deployment).spec;
  const container = pod.containers[0] as Container;
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

  it('keeps DATADIR on a size-limited emptyDir that fits the ephemeral-storage limit', () => {
    const mount =
      container.volumeMounts?.find((m) => m.mountPath === env.DATADIR) ?? expect.fail('DATADIR is not a volume mount');
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    const sizeLimit = quantity(volume?.emptyDir?.sizeLimit);
    expect(sizeLimit).toBeGreaterThan(0);
    expect(quantity(container.resources.limits?.['ephemeral-storage'])).toBeGreaterThan(sizeLimit);
  });

  it('sets HIGHMEMLIM below the memory limit and HIGHFILELIM below the data volume', () => {
    const volume = pod.volumes?.find((v) => v.emptyDir?.sizeLimit);
    expect(Number(env.HIGHMEMLIM)).toBeLessThan(quantity(container.resources.limits?.memory));
    expect(Number(env.HIGHFILELIM)).toBeLessThan(quantity(volume?.emptyDir?.sizeLimit));
  });
});

describe('overlays/openshift', () => {
  const objects = render('overlays/openshift');

  it("exposes testero with a Route to its Service's port, as the manual's `oc expose svc testero`", () => {
    const route = objects.find((o) => o.kind === 'Route') as z.infer<typeof routeSchema>;
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === route.spec.to.name) as K8sObject & {
      spec: { ports: { name: string }[] };
    };
    expect(route.spec.to.name).toBe('testero');
    expect(service.spec.ports.map((p) => p.name)).toContain(route.spec.port?.targetPort);
  });

  it('leaves the uid to OpenShift (restricted SCC) but still demands non-root, Redis included', () => {
    const workloads = objects.filter(isWorkload);
    expect(workloads.map((w) => w.kind)).toContain('StatefulSet');
    for (const workload of workloads) {
      const context = podOf(workload).spec.securityContext as Record<string, unknown> | undefined;
      expect(context?.runAsUser, workload.metadata.name).toBeUndefined();
      expect(context?.runAsGroup, workload.metadata.name).toBeUndefined();
      expect(context?.fsGroup, workload.metadata.name).toBeUndefined();
      expect(context?.runAsNonRoot).toBe(true);
    }
  });

  it("points code-runner's DNS egress at OpenShift's DNS pods (openshift-dns, port 5353)", () => {
    const policy = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'code-runner',
    ) as NetworkPolicyObject;
    expect(policy.spec.egress).toHaveLength(2);
    expect(policy.spec.egress?.[0]?.ports).toEqual([{ port: 6379, protocol: 'TCP' }]);
    expect(policy.spec.egress?.[1]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } } }],
      ports: [
        { port: 5353, protocol: 'UDP' },
        { port: 5353, protocol: 'TCP' },
      ],
    });
  });
});
