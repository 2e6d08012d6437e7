import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { jsonPatch, type K8sObject, kustomizeHash, render, splitImage, strategicMerge } from './kustomize.js';

// The renderer the manifest checks stand on: its output must be what `kustomize build` prints for the features
// infra/k8s uses, or the checks would pass on objects no cluster receives.

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A tree of kustomizations in a temporary directory. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: web:1.0
          env: [{name: A, value: "1"}, {name: B, value: "2"}]
          envFrom: [{configMapRef: {name: settings}}]
        - name: sidecar
          image: registry.local:5000/sidecar
          args: [one, two]
`;

test("generated names carry kustomize's hash (its own test vectors, api/hasher/hasher_test.go)", () => {
  expect(kustomizeHash({ kind: 'ConfigMap' })).toBe('6ct58987ht');
  expect(kustomizeHash({ kind: 'ConfigMap', data: { one: '' } })).toBe('9g67k2htb6');
  expect(kustomizeHash({ kind: 'ConfigMap', data: { two: 2, one: '', three: 3 } })).toBe('7757f9kkct');
  expect(kustomizeHash({ kind: 'ConfigMap', binaryData: { one: '' } })).toBe('6mtk2m274t');
  expect(kustomizeHash({ kind: 'ConfigMap', data: { one: '' }, binaryData: { two: '' } })).toBe('698h7c7t9m');
  expect(kustomizeHash({ kind: 'Secret', type: 'my-type' })).toBe('5gmgkf8578');
  expect(kustomizeHash({ kind: 'Secret', type: 'my-type', data: { two: 2, one: '', three: 3 } })).toBe('4gf75c7476');
  expect(kustomizeHash({ kind: 'Secret', type: 'my-type', data: { one: '' }, stringData: { two: 2 } })).toBe('c4h4264gdb');
});

describe('strategic merge', () => {
  const original: K8sObject = {
    spec: {
      minAvailable: 1,
      containers: [
        { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], args: ['x', 'y'] },
        { name: 'b', image: 'b:1' },
      ],
    },
  };

  test('merges containers and env by name, replaces other lists, deletes on null', () => {
    const merged = strategicMerge(original, {
      spec: {
        minAvailable: null,
        maxUnavailable: 1,
        containers: [
          { name: 'b', image: 'b:2' },
          { name: 'a', env: [{ name: 'Y', value: '2' }], args: ['z'] },
          { name: 'c', image: 'c:1' },
        ],
      },
    });
    expect(merged.spec).toEqual({
      maxUnavailable: 1,
      containers: [
        {
          name: 'a',
          image: 'a:1',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
          args: ['z'],
        },
        { name: 'b', image: 'b:2' },
        { name: 'c', image: 'c:1' },
      ],
    });
    expect(original.spec.containers[0].env).toHaveLength(1); // the original is left as it was
  });

  test('refuses directives it does not render', () => {
    expect(() => strategicMerge(original, { spec: { $patch: 'replace' } })).toThrow(/not rendered/);
  });
});

test('json patches replace, add and remove, and refuse a path that does not exist', () => {
  const object = { spec: { items: [{ n: 1 }, { n: 2 }], keep: true } };
  expect(
    jsonPatch(object, [
      { op: 'replace', path: '/spec/items/0/n', value: 9 },
      { op: 'add', path: '/spec/items/-', value: { n: 3 } },
      { op: 'remove', path: '/spec/keep' },
    ]),
  ).toEqual({ spec: { items: [{ n: 9 }, { n: 2 }, { n: 3 }] } });
  expect(() => jsonPatch(object, [{ op: 'replace', path: '/spec/missing/x', value: 1 }])).toThrow(/does not exist/);
});

test('image references split at the tag, not at a registry port', () => {
  expect(splitImage('registry.local:5000/sidecar')).toEqual({ name: 'registry.local:5000/sidecar' });
  expect(splitImage('registry.local:5000/web:1.0')).toEqual({ name: 'registry.local:5000/web', tag: '1.0' });
  expect(splitImage('web@sha256:abc')).toEqual({ name: 'web', digest: 'sha256:abc' });
});

test('an overlay: base, generator merge, patches, namespace, replicas, images, and references to hashed names', () => {
  const dir = tree({
    'base/kustomization.yaml':
      'resources: [web.yaml, budgets.yaml]\nconfigMapGenerator:\n  - {name: settings, envs: [settings.env]}\nkind: Kustomization\n',
    'base/web.yaml': deployment,
    'base/settings.env': '# a comment\nLEVEL=info\n\nURL=http://a:1/x?y=z\n',
    'component/kustomization.yaml':
      'kind: Component\nconfigMapGenerator:\n  - {name: settings, behavior: merge, literals: [LEVEL=debug]}\npatches:\n  - path: small.yaml\n    target: {kind: Deployment}\n',
    'component/small.yaml': '- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: web:1.1\n',
    'overlay/kustomization.yaml': [
      'kind: Kustomization',
      'namespace: prod',
      'resources: [../base]',
      'components: [../component]',
      'secretGenerator:\n  - {name: keys, literals: [TOKEN=s3cret]}',
      'patches:\n  - path: env.yaml\n  - path: budget.yaml\n    target: {kind: PodDisruptionBudget}',
      'replicas:\n  - {name: web, count: 1}',
      'images:\n  - {name: web, newName: example.com/web, newTag: "2.0"}\n  - {name: registry.local:5000/sidecar, newTag: "3"}',
    ].join('\n'),
    'base/budgets.yaml':
      'kind: PodDisruptionBudget\nmetadata: {name: one}\nspec: {maxUnavailable: 1}\n---\nkind: PodDisruptionBudget\nmetadata: {name: two}\nspec: {maxUnavailable: 1}\n',
    'overlay/budget.yaml':
      'kind: PodDisruptionBudget\nmetadata: {name: ignored, labels: {a: b}}\nspec: {minAvailable: 1, maxUnavailable: null}\n',
    'overlay/env.yaml':
      'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env: [{name: T, valueFrom: {secretKeyRef: {name: keys, key: TOKEN}}}]\n',
  });
  const objects = render(join(dir, 'overlay'));
  const web = objects.find((o) => o.kind === 'Deployment') as K8sObject;
  const settings = objects.find((o) => o.kind === 'ConfigMap') as K8sObject;
  const keys = objects.find((o) => o.kind === 'Secret') as K8sObject;

  expect(settings.data).toEqual({ LEVEL: 'debug', URL: 'http://a:1/x?y=z' });
  // The hash is of the final content, and the Deployment's references follow the new names.
  expect(settings.metadata).toEqual({
    name: `settings-${kustomizeHash({ ...settings, metadata: { name: 'settings' } })}`,
    namespace: 'prod',
  });
  expect(keys).toMatchObject({
    type: 'Opaque',
    data: { TOKEN: Buffer.from('s3cret').toString('base64') },
    metadata: { namespace: 'prod' },
  });
  const [main, sidecar] = web.spec.template.spec.containers;
  expect(main.envFrom[0].configMapRef.name).toBe(settings.metadata.name);
  expect(main.env.map((e: K8sObject) => e.name)).toEqual(['A', 'B', 'T']);
  expect(main.env[2].valueFrom.secretKeyRef.name).toBe(keys.metadata.name);
  // Patches before the image transformer: the component's tag, then the overlay's image.
  expect(main.image).toBe('example.com/web:2.0');
  expect(sidecar.image).toBe('registry.local:5000/sidecar:3');
  expect(sidecar.args).toEqual(['one', 'two']);
  expect(web.spec.replicas).toBe(1);
  // A patch with a target merges into every match, keeping each one's own name.
  expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => [o.metadata, o.spec])).toEqual([
    [{ name: 'one', namespace: 'prod', labels: { a: 'b' } }, { minAvailable: 1 }],
    [{ name: 'two', namespace: 'prod', labels: { a: 'b' } }, { minAvailable: 1 }],
  ]);
  expect(web.metadata.namespace).toBe('prod');
});

test('refuses what it does not render, and what kustomize refuses', () => {
  const kustomization = (extra: string) =>
    tree({ 'k/kustomization.yaml': `kind: Kustomization\nresources: [web.yaml]\n${extra}`, 'k/web.yaml': deployment });
  expect(() => render(join(kustomization('commonLabels: {a: b}\n'), 'k'))).toThrow(/'commonLabels' is not rendered/);
  expect(() => render(join(kustomization('patches:\n  - path: ../outside.yaml\n'), 'k'))).toThrow(/outside the kustomization/);
  expect(() => render(join(kustomization('replicas:\n  - {name: nothing, count: 2}\n'), 'k'))).toThrow(/nothing named/);
  expect(() =>
    render(join(tree({ 'k/kustomization.yaml': 'kind: Kustomization\nresources: [a.yaml, a.yaml]\n', 'k/a.yaml': deployment }), 'k')),
  ).toThrow(/defined twice/);
});
