import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateManifestDir } from './validate-k8s';

const SHIPPED = path.resolve(__dirname, '../../../deploy/k8s');

describe('validate-k8s', () => {
  it('accepts the shipped manifests, covering every kind the deployment needs', () => {
    const { manifests, problems } = validateManifestDir(SHIPPED);
    expect(problems).toEqual([]);
    const kinds = manifests.map((m) => `${String(m.object.apiVersion)}/${String(m.object.kind)}`);
    expect(new Set(kinds)).toEqual(
      new Set([
        'kustomize.config.k8s.io/v1beta1/Kustomization',
        'v1/Namespace',
        'v1/ConfigMap',
        'v1/Secret',
        'apps/v1/Deployment',
        'v1/Service',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'policy/v1/PodDisruptionBudget',
        'monitoring.coreos.com/v1/ServiceMonitor',
        'monitoring.coreos.com/v1/PrometheusRule',
      ]),
    );
  });

  describe('on deliberately broken manifests', () => {
    let dir: string;
    let problems: string[];

    const edit = (file: string, from: string, to: string) => {
      const target = path.join(dir, file);
      const text = readFileSync(target, 'utf8');
      if (!text.includes(from)) throw new Error(`fixture edit: ${from} not in ${file}`);
      writeFileSync(target, text.replace(from, to));
    };

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'pulse-k8s-'));
      cpSync(SHIPPED, dir, { recursive: true });
      edit('deployment-api.yaml', '  replicas: 2', '  replicass: 2');
      edit('deployment-api.yaml', 'terminationGracePeriodSeconds: 40', 'terminationGracePeriodSeconds: 20');
      edit('deployment-worker.yaml', 'containerPort: 3000', 'containerPort: "3000"');
      edit('deployment-worker.yaml', 'path: /health/ready', 'path: /ready');
      edit('servicemonitor.yaml', 'scrapeTimeout: 10s', 'scrapeTimout: 10s');
      edit('prometheus-rules.yaml', 'for: 5m', 'for: [5m]');
      edit(
        'configmap.yaml',
        '  LOG_LEVEL: info',
        '  LOG_LEVEL: info\n  VECTORE_STORE: qdrant\n  REDIS_URL: redis://r:6379',
      );
      edit(
        'pdb.yaml',
        '      app.kubernetes.io/component: worker',
        '      app.kubernetes.io/component: wrker',
      );
      edit('kustomization.yaml', 'namespace: pulse-ai', 'namespace: pulse-ai\nnameSpace: other');
      edit('hpa.yaml', 'name: pulse-ai-worker\n  minReplicas', 'name: pulse-ai-workers\n  minReplicas');
      writeFileSync(
        path.join(dir, 'extra.yaml'),
        'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
      );
      problems = validateManifestDir(dir).problems.map((p) => `${p.where}: ${p.message}`);
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      [
        'an unknown Deployment field',
        /deployment-api\.yaml.*'replicass' does not exist.* at spec\.replicass/,
      ],
      ['a wrongly typed field', /deployment-worker\.yaml.*containerPort must be integer/],
      ['an unknown ServiceMonitor field (CRD)', /servicemonitor\.yaml.*'scrapeTimout' does not exist/],
      ['a wrongly typed PrometheusRule field (CRD)', /prometheus-rules\.yaml.*rules\/0\/for must be string/],
      [
        'an unknown Kustomization field',
        /kustomization\.yaml.*must NOT have additional properties: nameSpace/,
      ],
      ['a kind no schema covers', /extra\.yaml.*no schema for example\.com\/v1 Widget/],
      ['a file the kustomization omits', /extra\.yaml is not listed in resources/],
      ['a setting the app does not have', /VECTORE_STORE is not a Pulse AI setting/],
      ['a secret in the ConfigMap', /REDIS_URL is a secret: move it to the Secret/],
      [
        'a grace period shorter than the app shutdown',
        /pulse-ai-api: terminationGracePeriodSeconds \(20\) must exceed/,
      ],
      ['a readiness probe on the wrong path', /pulse-ai-worker: readinessProbe must GET \/health\/ready/],
      ['a PodDisruptionBudget selecting nothing', /pdb\.yaml#1.*the selector matches no Deployment/],
      [
        'an autoscaler targeting a missing Deployment',
        /hpa\.yaml#1.*scaleTargetRef Deployment\/pulse-ai-workers is not defined/,
      ],
    ])('reports %s', (_what, pattern) => {
      expect(problems).toContainEqual(expect.stringMatching(pattern));
    });
  });
});
