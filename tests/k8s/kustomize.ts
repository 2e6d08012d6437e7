import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * `kustomize build` for the features infra/k8s uses, so the manifests can be checked where no kustomize binary
 * exists (nothing may be downloaded here). Order and semantics follow kustomize's (api/internal/target): a
 * kustomization's resources (a directory is built on its own first), then its components applied to what has
 * accumulated, then its generators, then its transformers in kustomize's order (patches, namespace, replicas,
 * images); at the top, generated names get their content hash and every reference to them follows. Any other
 * kustomization field is refused rather than ignored, so a manifest cannot lean on a feature rendered wrongly.
 */

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are open-ended JSON.
export type K8sObject = Record<string, any>;

export interface RenderOptions {
  /** Reads a file the kustomizations name (tests stand an example in for a git-ignored secrets file). */
  readFile?: (path: string) => string;
}

interface Resource {
  object: K8sObject;
  /** From a generator without disableNameSuffixHash: its final name gets a hash of its content. */
  hashed: boolean;
}

const FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'images',
  'replicas',
  'configMapGenerator',
  'secretGenerator',
  'patches',
]);

/** The objects `kustomize build <dir>` would print (in accumulation order, not kustomize's sort). */
export function render(dir: string, options: RenderOptions = {}): K8sObject[] {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const resources = accumulate(resolve(dir), [], 'Kustomization', readFile);
  const ids = resources.map((r) => idOf(r.object));
  const twice = ids.find((each, index) => ids.indexOf(each) !== index);
  if (twice) throw new Error(`${twice} is defined twice after the transformations`);
  return nameGenerated(resources);
}

function accumulate(dir: string, acc: Resource[], expectedKind: string, readFile: (path: string) => string): Resource[] {
  const k = readKustomization(dir, readFile);
  if (k.kind !== expectedKind) throw new Error(`${dir}: a ${k.kind} where a ${expectedKind} was expected`);
  for (const field of Object.keys(k))
    if (!FIELDS.has(field)) throw new Error(`${dir}: '${field}' is not rendered by tests/k8s/kustomize.ts`);

  let result = [...acc];
  for (const entry of list<string>(k.resources)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      for (const resource of accumulate(path, [], 'Kustomization', readFile)) add(result, resource);
    } else {
      for (const object of parseYaml(readFile(inside(dir, entry)), path)) add(result, { object, hashed: false });
    }
  }
  for (const entry of list<string>(k.components)) result = accumulate(join(dir, entry), result, 'Component', readFile);

  for (const args of list<K8sObject>(k.configMapGenerator)) generate(result, 'ConfigMap', args, dir, readFile);
  for (const args of list<K8sObject>(k.secretGenerator)) generate(result, 'Secret', args, dir, readFile);

  for (const patch of list<K8sObject>(k.patches)) applyPatch(result, patch, dir, readFile);
  if (k.namespace !== undefined) for (const { object } of result) setNamespace(object, k.namespace);
  for (const replica of list<{ name: string; count: number }>(k.replicas)) setReplicas(result, replica);
  for (const image of list<ImageArgs>(k.images)) for (const { object } of result) setImages(object, image);
  return result;
}

function readKustomization(dir: string, readFile: (path: string) => string): K8sObject {
  const name = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].find((n) => existsSync(join(dir, n)));
  if (!name) throw new Error(`${dir}: no kustomization.yaml`);
  const [doc, ...rest] = parseYaml(readFile(join(dir, name)), join(dir, name));
  if (!doc || rest.length > 0) throw new Error(`${dir}/${name}: one document expected`);
  return doc;
}

export function parseYaml(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

const list = <T>(value: unknown): T[] => (value === undefined || value === null ? [] : (value as T[]));

/** kustomize loads files only from the kustomization's own directory and below (its default load restrictor). */
function inside(dir: string, entry: string): string {
  const path = resolve(dir, entry);
  const rel = relative(dir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${dir}: '${entry}' is outside the kustomization's directory`);
  return path;
}

const idOf = (o: K8sObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

function add(resources: Resource[], resource: Resource) {
  if (typeof resource.object.kind !== 'string' || typeof resource.object.metadata?.name !== 'string')
    throw new Error(`a resource without kind or name: ${JSON.stringify(resource.object).slice(0, 200)}`);
  if (resources.some((r) => idOf(r.object) === idOf(resource.object))) throw new Error(`${idOf(resource.object)} is defined twice`);
  resources.push(resource);
}

// Generators ----------------------------------------------------------------------------------------------

/** An env file as kustomize reads one: KEY=VALUE lines, `#` comments and blank lines skipped, the value verbatim. */
export function parseEnvFile(text: string, where: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    // kustomize would take a bare KEY from the environment of whoever builds: never wanted here.
    if (eq <= 0) throw new Error(`${where}:${index + 1}: KEY=VALUE expected`);
    pairs.push([line.slice(0, eq), line.slice(eq + 1).replace(/\r$/, '')]);
  }
  return pairs;
}

function generate(resources: Resource[], kind: 'ConfigMap' | 'Secret', args: K8sObject, dir: string, readFile: (path: string) => string) {
  const known = new Set(['name', 'behavior', 'envs', 'literals', 'type', 'options']);
  for (const field of Object.keys(args))
    if (!known.has(field)) throw new Error(`${dir}: ${kind} generator field '${field}' is not rendered`);
  const pairs: [string, string][] = [];
  for (const file of list<string>(args.envs)) pairs.push(...parseEnvFile(readFile(inside(dir, file)), join(dir, file)));
  for (const literal of list<string>(args.literals)) {
    const eq = literal.indexOf('=');
    if (eq <= 0) throw new Error(`${dir}: literal '${literal}' is not KEY=VALUE`);
    pairs.push([literal.slice(0, eq), literal.slice(eq + 1)]);
  }
  const values: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (key in values) throw new Error(`${dir}: ${kind} ${args.name} sets ${key} twice`);
    values[key] = kind === 'Secret' ? Buffer.from(value).toString('base64') : value;
  }
  const behavior = args.behavior ?? 'create';
  const existing = resources.find((r) => r.object.kind === kind && r.object.metadata.name === args.name);
  if (behavior === 'create') {
    const object: K8sObject = { apiVersion: 'v1', kind, metadata: { name: args.name }, data: values };
    if (kind === 'Secret') object.type = args.type ?? 'Opaque';
    add(resources, { object, hashed: args.options?.disableNameSuffixHash !== true });
    return;
  }
  if (!existing) throw new Error(`${dir}: ${kind} ${args.name} to ${behavior} does not exist`);
  if (behavior === 'merge') existing.object.data = { ...existing.object.data, ...values };
  else if (behavior === 'replace') existing.object.data = values;
  else throw new Error(`${dir}: generator behavior '${behavior}'`);
}

// Patches -------------------------------------------------------------------------------------------------

interface Target {
  kind?: string;
  name?: string;
  labelSelector?: string;
}

function applyPatch(resources: Resource[], spec: K8sObject, dir: string, readFile: (path: string) => string) {
  for (const field of Object.keys(spec))
    if (!['path', 'patch', 'target'].includes(field)) throw new Error(`${dir}: patch field '${field}'`);
  const text = spec.path !== undefined ? readFile(inside(dir, spec.path)) : String(spec.patch);
  const docs = parseYaml(text, spec.path ?? 'inline patch');
  if (docs.length !== 1) throw new Error(`${dir}: one patch per entry`);
  const patch = docs[0] as K8sObject;
  const targets: Resource[] = spec.target
    ? resources.filter((r) => matches(r.object, spec.target as Target))
    : resources.filter((r) => r.object.kind === patch.kind && r.object.metadata.name === patch.metadata?.name);
  if (targets.length === 0) throw new Error(`${dir}: patch ${spec.path ?? ''} matches nothing`);
  for (const target of targets) {
    // A list is a JSON patch (RFC 6902); a map a strategic merge patch, whose own name counts only without a target.
    target.object = Array.isArray(patch) ? jsonPatch(target.object, patch) : strategicMerge(target.object, withoutIdentity(patch));
  }
}

function matches(object: K8sObject, target: Target): boolean {
  for (const field of Object.keys(target))
    if (!['kind', 'name', 'labelSelector'].includes(field)) throw new Error(`target field '${field}'`);
  if (target.kind !== undefined && object.kind !== target.kind) return false;
  if (target.name !== undefined) {
    // kustomize reads the name as an anchored regular expression; only plain names are used here.
    if (!/^[a-z0-9.-]+$/.test(target.name)) throw new Error(`target name '${target.name}': only exact names are rendered`);
    if (object.metadata.name !== target.name) return false;
  }
  for (const term of target.labelSelector?.split(',') ?? []) {
    const match = /^([^=!]+)=([^=]*)$/.exec(term.trim());
    if (!match) throw new Error(`label selector '${term}': only key=value terms are rendered`);
    if (object.metadata.labels?.[match[1] as string] !== match[2]) return false;
  }
  return true;
}

/** A strategic merge patch without what identifies its target (kind, name), which is not to be merged in. */
function withoutIdentity(patch: K8sObject): K8sObject {
  const { apiVersion: _apiVersion, kind: _kind, metadata: patchMetadata, ...rest } = patch;
  const { name: _name, namespace: _namespace, ...metadata } = patchMetadata ?? {};
  return Object.keys(metadata).length > 0 ? { ...rest, metadata } : rest;
}

/**
 * Merge keys of the lists infra/k8s patches (from the Kubernetes types' patchMergeKey); every other list is
 * replaced whole, as for a list without one. `$patch` directives are refused.
 */
const MERGE_KEYS: Record<string, (item: K8sObject) => string | undefined> = {
  containers: () => 'name',
  initContainers: () => 'name',
  env: () => 'name',
  volumes: () => 'name',
  volumeMounts: () => 'mountPath',
  imagePullSecrets: () => 'name',
  // A container's ports merge on containerPort, a Service's on port.
  ports: (item) => ('containerPort' in item ? 'containerPort' : 'port'),
};

export function strategicMerge(original: K8sObject, patch: K8sObject): K8sObject {
  const result: K8sObject = { ...original };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`strategic merge directive '${key}' is not rendered`);
    if (value === null) delete result[key];
    else if (Array.isArray(value)) result[key] = mergeList(key, original[key], value);
    else if (isMap(value) && isMap(original[key])) result[key] = strategicMerge(original[key], value);
    else result[key] = structuredClone(value);
  }
  return result;
}

function mergeList(field: string, original: unknown, patch: unknown[]): unknown[] {
  const keyOf = MERGE_KEYS[field];
  if (!keyOf || !Array.isArray(original) || !patch.every(isMap)) return structuredClone(patch);
  const result = [...original];
  for (const item of patch as K8sObject[]) {
    const key = keyOf(item);
    if (key === undefined || item[key] === undefined) throw new Error(`an item of ${field} without its merge key`);
    const index = result.findIndex((o) => isMap(o) && o[key] === item[key]);
    if (index === -1) result.push(structuredClone(item));
    else result[index] = strategicMerge(result[index] as K8sObject, item);
  }
  return result;
}

const isMap = (value: unknown): value is K8sObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 6902 add, replace and remove (the operations infra/k8s uses). */
export function jsonPatch(original: K8sObject, operations: K8sObject[]): K8sObject {
  const result = structuredClone(original);
  for (const { op, path, value } of operations) {
    const keys = String(path)
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop();
    if (last === undefined) throw new Error(`json patch path '${path}'`);
    // biome-ignore lint/suspicious/noExplicitAny: walking JSON
    let parent: any = result;
    for (const key of keys) {
      parent = parent?.[key];
      if (parent === undefined) throw new Error(`json patch path '${path}' does not exist`);
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : last in parent;
    if (op === 'add') {
      if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, structuredClone(value));
      else parent[last] = structuredClone(value);
    } else if (op === 'replace' || op === 'remove') {
      if (!exists) throw new Error(`json patch ${op} of '${path}', which does not exist`);
      if (op === 'remove') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
      else parent[last] = structuredClone(value);
    } else throw new Error(`json patch op '${op}' is not rendered`);
  }
  return result;
}

// Transformers --------------------------------------------------------------------------------------------

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
]);

function setNamespace(object: K8sObject, namespace: string) {
  if (CLUSTER_SCOPED.has(object.kind)) return;
  object.metadata = { ...object.metadata, namespace };
}

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

function setReplicas(resources: Resource[], { name, count }: { name: string; count: number }) {
  const targets = resources.filter((r) => SCALABLE.has(r.object.kind) && r.object.metadata.name === name);
  if (targets.length === 0) throw new Error(`replicas: nothing named ${name} to scale`);
  for (const target of targets) target.object.spec = { ...target.object.spec, replicas: count };
}

interface ImageArgs {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** Splits an image reference into its name and its `:tag` or `@digest` (a registry's `host:port/` is part of the name). */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  if (at !== -1) return { name: image.slice(0, at), digest: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { name: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { name: image };
}

function setImages(object: K8sObject, args: ImageArgs) {
  for (const container of podContainers(object)) {
    const image = splitImage(container.image);
    if (image.name !== args.name) continue;
    const name = args.newName ?? image.name;
    if (args.digest) container.image = `${name}@${args.digest}`;
    else if (args.newTag) container.image = `${name}:${args.newTag}`;
    else container.image = `${name}${image.digest ? `@${image.digest}` : image.tag ? `:${image.tag}` : ''}`;
  }
}

/** The pod spec of a workload (or of a Pod), if the object has one. */
export function podSpec(object: K8sObject): K8sObject | undefined {
  return object.kind === 'Pod' ? object.spec : object.spec?.template?.spec;
}

export function podContainers(object: K8sObject): K8sObject[] {
  const spec = podSpec(object);
  return spec ? [...list<K8sObject>(spec.initContainers), ...list<K8sObject>(spec.containers)] : [];
}

// Generated names -----------------------------------------------------------------------------------------

/** Gives each generated ConfigMap and Secret its hashed name and points every reference at it. */
function nameGenerated(resources: Resource[]): K8sObject[] {
  const renamed = new Map<string, string>();
  for (const { object, hashed } of resources) {
    if (!hashed) continue;
    const name = `${object.metadata.name}-${kustomizeHash(object)}`;
    renamed.set(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, name);
    object.metadata.name = name;
  }
  const rename = (kind: string, namespace: string | undefined, name: string) => renamed.get(`${kind}/${namespace ?? ''}/${name}`) ?? name;
  for (const { object } of resources) {
    const ns = object.metadata.namespace;
    const spec = podSpec(object);
    if (spec) {
      for (const container of podContainers(object)) {
        for (const from of list<K8sObject>(container.envFrom)) {
          if (from.configMapRef) from.configMapRef.name = rename('ConfigMap', ns, from.configMapRef.name);
          if (from.secretRef) from.secretRef.name = rename('Secret', ns, from.secretRef.name);
        }
        for (const env of list<K8sObject>(container.env)) {
          const ref = env.valueFrom;
          if (ref?.configMapKeyRef) ref.configMapKeyRef.name = rename('ConfigMap', ns, ref.configMapKeyRef.name);
          if (ref?.secretKeyRef) ref.secretKeyRef.name = rename('Secret', ns, ref.secretKeyRef.name);
        }
      }
      for (const volume of list<K8sObject>(spec.volumes)) {
        if (volume.configMap) volume.configMap.name = rename('ConfigMap', ns, volume.configMap.name);
        if (volume.secret) volume.secret.secretName = rename('Secret', ns, volume.secret.secretName);
        for (const source of list<K8sObject>(volume.projected?.sources)) {
          if (source.configMap) source.configMap.name = rename('ConfigMap', ns, source.configMap.name);
          if (source.secret) source.secret.name = rename('Secret', ns, source.secret.name);
        }
      }
      for (const pull of list<K8sObject>(spec.imagePullSecrets)) pull.name = rename('Secret', ns, pull.name);
    }
    if (object.kind === 'Ingress')
      for (const tls of list<K8sObject>(object.spec?.tls)) tls.secretName = rename('Secret', ns, tls.secretName);
  }
  return resources.map((r) => r.object);
}

/**
 * kustomize's name suffix (api/hasher): the first 10 hex digits of the SHA-256 of Go's JSON of kind, name and data
 * (and type for a Secret), with 0 1 3 a e written g h k m t so that the suffix never looks like a number.
 */
export function kustomizeHash(object: K8sObject): string {
  const fields: K8sObject =
    object.kind === 'Secret'
      ? { kind: 'Secret', type: object.type ?? '', name: object.metadata?.name ?? '', data: object.data ?? '' }
      : { kind: 'ConfigMap', name: object.metadata?.name ?? '', data: object.data ?? '' };
  if (object.kind === 'ConfigMap' && isMap(object.binaryData)) fields.binaryData = object.binaryData;
  if (object.kind === 'Secret' && isMap(object.stringData)) fields.stringData = object.stringData;
  const hex = createHash('sha256').update(goJson(fields)).digest('hex');
  return [...hex.slice(0, 10)].map((c) => ({ 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' })[c] ?? c).join('');
}

/** JSON as Go's encoding/json writes it: map keys sorted; <, >, &, U+2028, U+2029 and control characters but \n, \r, \t as \u escapes. */
function goJson(value: unknown): string {
  if (typeof value === 'string') {
    const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    const body = [...value]
      .map((c) => {
        if (c === '"' || c === '\\') return `\\${c}`;
        if (c === '\n') return '\\n';
        if (c === '\r') return '\\r';
        if (c === '\t') return '\\t';
        return c < ' ' || '<>&\u2028\u2029'.includes(c) ? unicodeEscape(c) : c;
      })
      .join('');
    return `"${body}"`;
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isMap(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${goJson(k)}:${goJson(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
