/**
 * Offline, schema-aware validation of deploy/k8s (`npm run lint:k8s [dir]`):
 *  1. every document against the Kubernetes OpenAPI schema of its kind (kubernetes-models' compiled validators;
 *     CRDs from @kubernetes-models/prometheus-operator), the Kustomization against a local JSON schema;
 *  2. unknown fields (the OpenAPI schemas allow them, kubectl's strict field validation does not) by type-checking
 *     each document against the same package's TypeScript types, whose excess-property check names the field;
 *  3. what no schema sees: selectors that match nothing, probes, grace periods, and ConfigMap/Secret keys checked
 *     against the app's own config schema.
 * Lives in libs/ (not deploy/) so tsc, eslint and jest cover it with the repository's existing configuration.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv from 'ajv';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { AppConfig } from '@app/config';

export interface Manifest {
  file: string;
  index: number;
  object: Record<string, unknown>;
}

export interface Problem {
  where: string;
  message: string;
}

/** Keys that belong in the Secret and never in a ConfigMap. */
export const SECRET_KEYS = [
  'DATABASE_URL',
  'REDIS_URL',
  'ADMIN_TOKEN',
  'INTEGRATION_SECRET_KEY',
  'QDRANT_API_KEY',
  'LLM_API_KEY',
] as const;

/** Syntactically valid stand-ins, so the config check judges the ConfigMap, not the Secret's placeholders. */
const SECRET_STAND_INS: Record<(typeof SECRET_KEYS)[number], string> = {
  DATABASE_URL: 'postgresql://pulse@postgres:5432/pulse',
  REDIS_URL: 'redis://redis:6379',
  ADMIN_TOKEN: 'stand-in-admin-token',
  INTEGRATION_SECRET_KEY: '00'.repeat(32),
  QDRANT_API_KEY: 'stand-in',
  LLM_API_KEY: 'stand-in',
};

const MODEL_PACKAGES = ['kubernetes-models', '@kubernetes-models/prometheus-operator'];
const KUSTOMIZATION = 'kustomize.config.k8s.io/v1beta1/Kustomization';
const EXAMPLE = /\.example\.ya?ml$/;
const ROLES = ['api', 'worker'];
const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;
const loadModule = createRequire(__filename);

interface ModelClass {
  new (data: unknown): { validate(): void };
}

const where = (m: Manifest) => {
  const meta = m.object.metadata as { name?: string } | undefined;
  return `${path.basename(m.file)}#${m.index} ${String(m.object.kind)}/${meta?.name ?? '?'}`;
};

/** The kubernetes-models module id for an apiVersion/kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
function modelModuleId(apiVersion: string, kind: string): string | undefined {
  for (const pkg of MODEL_PACKAGES) {
    const id = `${pkg}/${apiVersion}/${kind}`;
    try {
      loadModule.resolve(id);
      return id;
    } catch {
      // Not in this package; try the next.
    }
  }
  return undefined;
}

export function loadManifests(dir: string): { manifests: Manifest[]; problems: Problem[] } {
  const manifests: Manifest[] = [];
  const problems: Problem[] = [];
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  for (const name of files) {
    const file = path.join(dir, name);
    parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, index) => {
      for (const err of doc.errors)
        problems.push({ where: `${name}#${index}`, message: `YAML: ${err.message}` });
      const object: unknown = doc.toJS();
      if (object === null || object === undefined) return;
      if (typeof object !== 'object' || Array.isArray(object)) {
        problems.push({ where: `${name}#${index}`, message: 'a manifest must be a mapping' });
        return;
      }
      manifests.push({ file, index, object: object as Record<string, unknown> });
    });
  }
  return { manifests, problems };
}

/** Step 1: each document against its kind's schema. Unknown kinds fail: nothing goes unchecked. */
function checkSchemas(manifests: Manifest[]): Problem[] {
  const problems: Problem[] = [];
  const ajv = new Ajv({ allErrors: true });
  const schema = JSON.parse(
    readFileSync(path.join(__dirname, 'kustomization.schema.json'), 'utf8'),
  ) as object;
  const validateKustomization = ajv.compile(schema);
  for (const m of manifests) {
    const { apiVersion, kind } = m.object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push({ where: where(m), message: 'apiVersion and kind are required strings' });
      continue;
    }
    if (`${apiVersion}/${kind}` === KUSTOMIZATION) {
      for (const e of validateKustomization(m.object) ? [] : (validateKustomization.errors ?? [])) {
        const field = (e.params as { additionalProperty?: string }).additionalProperty;
        const at = e.instancePath.replace(/^\//, '') || '(root)';
        problems.push({
          where: where(m),
          message: `${at} ${e.message ?? 'is invalid'}${field ? `: ${field}` : ''}`,
        });
      }
      continue;
    }
    const id = modelModuleId(apiVersion, kind);
    if (!id) {
      problems.push({ where: where(m), message: `no schema for ${apiVersion} ${kind}` });
      continue;
    }
    const Model = (loadModule(id) as Record<string, ModelClass>)[kind];
    try {
      new Model(m.object).validate();
    } catch (err) {
      problems.push({ where: where(m), message: (err as Error).message.replace(/\bdata\//g, '') });
    }
  }
  return problems;
}

/** Step 2: fields the schemas do not know, via TypeScript's excess-property check on the package's types. */
function checkUnknownFields(manifests: Manifest[]): Problem[] {
  // Virtual files sit in this folder so the type packages resolve from the repository's node_modules.
  const root = __dirname;
  const sources = new Map<string, { manifest: Manifest; text: string }>();
  manifests.forEach((m, i) => {
    const id = modelModuleId(String(m.object.apiVersion), String(m.object.kind));
    if (!id) return;
    const text = `import type { I${String(m.object.kind)} as T } from '${id}';\nexport const manifest: T = ${JSON.stringify(m.object, null, 2)};\n`;
    sources.set(path.join(root, `__manifest_${i}__.ts`), { manifest: m, text });
  });
  if (sources.size === 0) return [];

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError) => {
    const virtual = sources.get(f);
    return virtual
      ? ts.createSourceFile(f, virtual.text, lang, true)
      : getSourceFile.call(host, f, lang, onError);
  };
  const program = ts.createProgram([...sources.keys()], options, host);

  const problems: Problem[] = [];
  for (const [fileName, { manifest }] of sources) {
    const sourceFile = program.getSourceFile(fileName);
    for (const d of ts.getPreEmitDiagnostics(program, sourceFile)) {
      const at = d.file && d.start !== undefined ? ` at ${jsonPathAt(d.file, d.start)}` : '';
      const text = ts
        .flattenDiagnosticMessageText(d.messageText, ' ')
        .replace(/'"([^"']+)"'/g, "'$1'")
        // CRD types are inline object types, printed in full; the path says where it is.
        .replace(/ in type '\{.*\}'\./, ' here.');
      problems.push({ where: where(manifest), message: `${text}${at}` });
    }
  }
  return problems;
}

/** The JSON path (spec.template.spec.containers[0].foo) of the node at a position of a generated source. */
function jsonPathAt(file: ts.SourceFile, position: number): string {
  let node: ts.Node = file;
  for (;;) {
    const child = node.getChildren(file).find((c) => c.getStart(file) <= position && position < c.getEnd());
    if (!child) break;
    node = child;
  }
  const parts: string[] = [];
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isPropertyAssignment(n) && ts.isStringLiteral(n.name)) parts.unshift(n.name.text);
    if (n.parent && ts.isArrayLiteralExpression(n.parent))
      parts.unshift(`[${n.parent.elements.indexOf(n as ts.Expression)}]`);
  }
  return parts.join('.').replace(/\.\[/g, '[') || '(root)';
}

const ofKind = <T>(manifests: Manifest[], kind: string) =>
  manifests.filter((m) => m.object.kind === kind).map((m) => ({ m, o: m.object as T }));

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Step 3: the wiring between objects, and the app's own expectations. */
function checkWiring(manifests: Manifest[], dir: string): Problem[] {
  const problems: Problem[] = [];
  const report = (m: Manifest, message: string) => problems.push({ where: where(m), message });
  const deployments = ofKind<IDeployment>(manifests, 'Deployment');
  const services = ofKind<IService>(manifests, 'Service');
  const configMaps = ofKind<IConfigMap>(manifests, 'ConfigMap');
  const secrets = ofKind<ISecret>(manifests, 'Secret');
  const podLabels = (d: IDeployment) => d.spec?.template.metadata?.labels;

  for (const { m, o } of configMaps) {
    for (const key of SECRET_KEYS)
      if (o.data?.[key] !== undefined) report(m, `${key} is a secret: move it to the Secret`);
  }
  for (const { m, o } of secrets) {
    const keys = new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
    for (const key of SECRET_KEYS) if (!keys.has(key)) report(m, `the Secret lacks ${key}`);
  }

  const roles = new Set<string>();
  for (const { m, o } of deployments) {
    const pod = o.spec?.template.spec;
    if (!selects(o.spec?.selector.matchLabels, podLabels(o)))
      report(m, 'spec.selector does not match the pod labels');
    if (pod?.containers.length !== 1) {
      report(m, 'expected exactly one container');
      continue;
    }
    const c = pod.containers[0];
    const env: Record<string, string> = {};
    for (const ref of c.envFrom ?? []) {
      if (ref.configMapRef) {
        const cm = configMaps.find((x) => x.o.metadata?.name === ref.configMapRef?.name);
        if (!cm) report(m, `envFrom names ConfigMap ${ref.configMapRef.name}, which is not defined`);
        Object.assign(env, cm?.o.data);
      }
      if (ref.secretRef) {
        if (!secrets.some((x) => x.o.metadata?.name === ref.secretRef?.name)) {
          report(m, `envFrom names Secret ${ref.secretRef.name}, which has no manifest or *.example.yaml`);
        }
        Object.assign(env, SECRET_STAND_INS);
      }
    }
    for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    delete env.NODE_OPTIONS;

    const role = env.PROCESS_ROLE;
    if (!role || !ROLES.includes(role)) report(m, `PROCESS_ROLE must be one of ${ROLES.join(', ')}`);
    else roles.add(role);
    try {
      const parsed = new AppConfig(env).env as Record<string, unknown>;
      for (const key of Object.keys(env)) if (!(key in parsed)) report(m, `${key} is not a Pulse AI setting`);
    } catch (err) {
      report(m, `the environment fails the app's config validation: ${(err as Error).message}`);
    }

    if (c.livenessProbe?.httpGet?.path !== '/health/live') report(m, 'livenessProbe must GET /health/live');
    if (c.readinessProbe?.httpGet?.path !== '/health/ready')
      report(m, 'readinessProbe must GET /health/ready');
    for (const kind of ['requests', 'limits'] as const) {
      for (const res of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[res] === undefined) report(m, `resources.${kind}.${res} is missing`);
      }
    }
    const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
    const preStopMs = (c.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    const shutdownMs = Number(env.SHUTDOWN_GRACE_MS ?? DEFAULT_SHUTDOWN_GRACE_MS);
    if (graceMs <= shutdownMs + preStopMs) {
      report(
        m,
        `terminationGracePeriodSeconds (${graceMs / 1000}) must exceed preStop (${preStopMs / 1000} s) + SHUTDOWN_GRACE_MS (${shutdownMs / 1000} s)`,
      );
    }
    if (o.spec?.template.metadata?.annotations?.['prometheus.io/scrape'] !== 'true') {
      report(m, 'pods lack the prometheus.io/scrape annotation');
    }
    const name = o.metadata?.name;
    const hpas = ofKind<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler');
    if (
      !hpas.some(
        (h) => h.o.spec?.scaleTargetRef.kind === 'Deployment' && h.o.spec.scaleTargetRef.name === name,
      )
    ) {
      report(m, 'no HorizontalPodAutoscaler scales this Deployment');
    }
    const pdbs = ofKind<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget');
    if (!pdbs.some((p) => selects(p.o.spec?.selector?.matchLabels, podLabels(o)))) {
      report(m, 'no PodDisruptionBudget selects these pods');
    }
  }
  for (const role of ROLES) {
    if (deployments.length > 0 && !roles.has(role))
      problems.push({ where: dir, message: `no Deployment runs the ${role} role` });
  }

  for (const { m, o } of services) {
    const target = deployments.find((d) => selects(o.spec?.selector, podLabels(d.o)));
    if (!target) {
      report(m, 'the selector matches no Deployment');
      continue;
    }
    const portNames = new Set(
      target.o.spec?.template.spec?.containers.flatMap((c) => c.ports ?? []).map((p) => p.name),
    );
    for (const p of o.spec?.ports ?? []) {
      if (typeof p.targetPort === 'string' && !portNames.has(p.targetPort)) {
        report(m, `targetPort ${p.targetPort} is not a container port of ${target.o.metadata?.name}`);
      }
    }
  }

  for (const { m, o } of ofKind<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler')) {
    const ref = o.spec?.scaleTargetRef;
    const target = deployments.find((d) => ref?.kind === 'Deployment' && d.o.metadata?.name === ref.name);
    if (!target) report(m, `scaleTargetRef ${ref?.kind}/${ref?.name} is not defined`);
    if (o.spec && (o.spec.minReplicas ?? 1) > o.spec.maxReplicas)
      report(m, 'minReplicas exceeds maxReplicas');
  }

  for (const { m, o } of ofKind<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget')) {
    if (!deployments.some((d) => selects(o.spec?.selector?.matchLabels, podLabels(d.o)))) {
      report(m, 'the selector matches no Deployment');
    }
  }

  for (const { m, o } of ofKind<IServiceMonitor>(manifests, 'ServiceMonitor')) {
    const matched = services.filter((s) => selects(o.spec.selector.matchLabels, s.o.metadata?.labels));
    if (matched.length === 0) report(m, 'the selector matches no Service');
    for (const e of o.spec.endpoints) {
      for (const s of matched) {
        if (!s.o.spec?.ports?.some((p) => p.name === e.port)) {
          report(m, `Service ${s.o.metadata?.name} has no port named ${e.port}`);
        }
      }
      if (e.path !== '/metrics') report(m, 'endpoints must scrape /metrics');
    }
  }

  const kustomizations = manifests.filter((m) => m.object.kind === 'Kustomization');
  for (const k of kustomizations) {
    const resources = (k.object.resources as string[] | undefined) ?? [];
    for (const r of resources) if (!existsSync(path.join(dir, r))) report(k, `resource ${r} does not exist`);
    const listed = new Set(resources.map((r) => path.normalize(r)));
    for (const file of new Set(manifests.map((x) => path.basename(x.file)))) {
      if (file !== path.basename(k.file) && !EXAMPLE.test(file) && !listed.has(file)) {
        report(k, `${file} is not listed in resources (name it *.example.yaml if that is on purpose)`);
      }
    }
  }
  return problems;
}

export function validateManifestDir(dir: string): { manifests: Manifest[]; problems: Problem[] } {
  const { manifests, problems } = loadManifests(dir);
  problems.push(...checkSchemas(manifests), ...checkUnknownFields(manifests), ...checkWiring(manifests, dir));
  return { manifests, problems };
}

function main(): void {
  const dir = path.resolve(process.argv[2] ?? 'deploy/k8s');
  const { manifests, problems } = validateManifestDir(dir);
  for (const p of problems) console.error(`✗ ${p.where}: ${p.message}`);
  if (problems.length > 0) {
    console.error(`${problems.length} problem(s) in ${path.relative(process.cwd(), dir) || dir}`);
    process.exit(1);
  }
  const kinds = [...new Set(manifests.map((m) => String(m.object.kind)))].sort().join(', ');
  console.log(`✓ ${manifests.length} manifests valid in ${path.relative(process.cwd(), dir)} (${kinds})`);
}

if (require.main === module) main();
