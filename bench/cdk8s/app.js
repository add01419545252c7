// The benchmark system as a cdk8s-plus app: what a team would write instead of a blueprint.
//
//   node app.js SPEC.json OUT_DIR
//
// SPEC.json is written by bench/workload.py (the same system as the generated blueprint).
// One chart per environment, one file per object (out/<env>/...), like netgen's layout.
// It uses cdk8s-plus's own idioms: Deployments/StatefulSets with containers and probes,
// Services selecting pod labels, Ingresses (a second nginx-style canary Ingress for a
// weighted version), `connections.allowTo` for every declared call in STRICT environments
// (it writes the egress policy of the caller and the ingress policy of the callee), and a
// namespace-wide default deny plus DNS egress.
'use strict';

const fs = require('fs');
const { App, Chart, ApiObject, YamlOutputType } = require('cdk8s');
const kplus = require('cdk8s-plus-33');

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const app = new App({
  outdir: process.argv[3],
  yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
});

const CLASS = { ALB: 'alb', NGINX: 'nginx', GATEWAY: null };

function envVars(spec, env, s) {
  const vars = {};
  const byName = Object.fromEntries(spec.services.map((x) => [x.name, x]));
  const externals = Object.fromEntries(spec.externals.map((x) => [x.name, x]));
  for (const dst of s.calls) {
    const key = dst.toUpperCase().replace(/-/g, '_');
    if (byName[dst]) {
      vars[`${key}_HOST`] = kplus.EnvValue.fromValue(
        `${dst}.${env.namespace}.svc.cluster.local`);
      vars[`${key}_PORT`] = kplus.EnvValue.fromValue(String(byName[dst].port));
    } else {
      vars[`${key}_HOST`] = kplus.EnvValue.fromValue(
        `${dst}.${env.namespace}.svc.cluster.local`);
      vars[`${key}_PORT`] = kplus.EnvValue.fromValue(String(externals[dst].port));
    }
  }
  return vars;
}

function workload(chart, spec, env, s, version, headless) {
  const name = version ? `${s.name}-${version}` : s.name;
  const labels = { app: s.name, ...(version ? { version } : {}) };
  const container = {
    name: s.name,
    image: s.image,
    portNumber: s.port,
    envVariables: envVars(spec, env, s),
    ...(s.health ? { readiness: kplus.Probe.fromHttpGet(s.health, { port: s.port }) } : {}),
  };
  const props = {
    metadata: { name, labels: { ...labels, 'app.kubernetes.io/part-of': spec.name } },
    podMetadata: { labels },
    replicas: env.replicas,
    containers: [container],
  };
  if (s.stateful) {
    return new kplus.StatefulSet(chart, `sts-${name}`, { ...props, service: headless });
  }
  return new kplus.Deployment(chart, `deploy-${name}`, props);
}

function service(chart, id, name, selector, port, extra = {}) {
  const svc = new kplus.Service(chart, id, {
    metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    ports: [{ name: port.name, port: port.port, targetPort: port.port,
      ...(port.nodePort ? { nodePort: port.nodePort } : {}) }],
    ...(extra.type ? { type: extra.type } : {}),
    ...(extra.clusterIP ? { clusterIP: extra.clusterIP } : {}),
    ...(extra.externalName ? { externalName: extra.externalName } : {}),
  });
  for (const [k, v] of Object.entries(selector)) svc.selectLabel(k, v);
  return svc;
}

function httpRoute(chart, spec, env, x, backends) {
  new ApiObject(chart, `route-${x.service}`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: x.service },
    spec: {
      parentRefs: [{ name: spec.name, namespace: env.namespace }],
      hostnames: [x.host],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: x.path } }],
        backendRefs: backends.map(([svc, weight]) => ({ name: svc.name, port: svc.port, weight })),
      }],
    },
  });
}

function expose(chart, spec, env, x, services) {
  const s = services[x.service];
  const port = { name: 'http', port: s.spec.port };
  if (x.via === 'CLUSTER') return;
  if (x.via === 'NODEPORT') {
    service(chart, `np-${x.service}`, `${x.service}-nodeport`, { app: x.service },
      { ...port, nodePort: x.node_port }, { type: kplus.ServiceType.NODE_PORT });
    return;
  }
  if (x.via === 'NLB') {
    const a = 'service.beta.kubernetes.io/aws-load-balancer-';
    const annotations = { [`${a}type`]: 'external', [`${a}nlb-target-type`]: 'ip',
      [`${a}scheme`]: 'internet-facing' };
    if (env.tls) annotations[`${a}ssl-cert`] = env.tls;
    service(chart, `nlb-${x.service}`, `${x.service}-lb`, { app: x.service }, port,
      { type: kplus.ServiceType.LOAD_BALANCER, annotations });
    return;
  }
  const [stable, canary] = s.versions.length ? s.versions : [s.main, null];
  const weight = Math.round((x.canary || 0) * 100);
  if (x.via === 'GATEWAY') {
    httpRoute(chart, spec, env, x, x.canary
      ? [[stable, 100 - weight], [canary, weight]] : [[s.main, 100]]);
    return;
  }
  const className = CLASS[x.via];
  new kplus.Ingress(chart, `ing-${x.service}`, {
    metadata: { name: x.service },
    className,
    rules: [{ host: x.host, path: x.path,
      backend: kplus.IngressBackend.fromService(x.canary ? stable : s.main) }],
  });
  if (x.canary) {
    new kplus.Ingress(chart, `ing-${x.service}-canary`, {
      metadata: { name: `${x.service}-canary`, annotations: {
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': String(weight),
      } },
      className,
      rules: [{ host: x.host, path: x.path,
        backend: kplus.IngressBackend.fromService(canary) }],
    });
  }
}

function envChart(spec, env) {
  const chart = new Chart(app, env.name, { namespace: env.namespace });
  new kplus.Namespace(chart, 'namespace', { metadata: { name: env.namespace } });
  const strict = env.isolation === 'STRICT';
  if (strict) {
    const all = kplus.Pods.all(chart, 'all-pods');
    new kplus.NetworkPolicy(chart, 'default-deny', {
      selector: all,
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    const dns = new kplus.NetworkPolicy(chart, 'allow-dns', { selector: all });
    const anywhere = kplus.NetworkPolicyIpBlock.anyIpv4(chart, 'dns-anywhere');
    dns.addEgressRule(anywhere,
      [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
  }
  for (const x of spec.externals) {
    service(chart, `ext-${x.name}`, x.name, {}, { name: 'tcp', port: x.port },
      { type: kplus.ServiceType.EXTERNAL_NAME, externalName: x.host });
  }
  const services = {};
  const workloads = {};
  for (const s of spec.services) {
    const port = { name: s.stateful ? 'tcp' : 'http', port: s.port };
    const main = service(chart, `svc-${s.name}`, s.name, { app: s.name }, port);
    const headless = s.stateful
      ? service(chart, `hl-${s.name}`, `${s.name}-headless`, { app: s.name }, port,
        { clusterIP: 'None' })
      : undefined;
    const versions = s.versions.map((v) => service(chart, `svc-${s.name}-${v}`,
      `${s.name}-${v}`, { app: s.name, version: v }, port));
    services[s.name] = { spec: s, main, versions };
    workloads[s.name] = (s.versions.length ? s.versions : [null])
      .map((v) => workload(chart, spec, env, s, v, headless));
  }
  if (strict) {
    const peers = {};
    const peer = (name) => peers[name]
      || (peers[name] = kplus.Pods.select(chart, `pods-${name}`, { labels: { app: name } }));
    const externals = Object.fromEntries(spec.externals.map((x) => [x.name, x]));
    for (const s of spec.services) {
      for (const w of workloads[s.name]) {
        for (const dst of s.calls) {
          if (externals[dst]) {
            const id = `to-${w.name}-${dst}`;
            w.connections.allowTo(kplus.NetworkPolicyIpBlock.anyIpv4(chart, id), {
              ports: [kplus.NetworkPolicyPort.tcp(externals[dst].port)],
              isolation: kplus.PodConnectionsIsolation.POD,
            });
          } else {
            w.connections.allowTo(peer(dst), {
              ports: [kplus.NetworkPolicyPort.tcp(services[dst].spec.port)],
            });
          }
        }
      }
    }
  }
  for (const x of spec.exposures) expose(chart, spec, env, x, services);
}

for (const env of spec.envs) envChart(spec, env);
app.synth();
