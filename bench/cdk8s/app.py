"""The benchmark system as a cdk8s-plus app in Python (PyPI `cdk8s`, `cdk8s-plus-33`).

    python app.py SPEC.json OUT_DIR

The same app as `app.js`, line for line, written the way a Python team would: the PyPI
packages are the JavaScript library driven through jsii (a Node process behind the
Python one), so this is what a Python user of cdk8s-plus pays. Run it with the python of
a separate virtualenv that has `requirements.txt` installed, never netgen's.
"""

from __future__ import annotations

import json
import sys

import cdk8s_plus_33 as kplus
from cdk8s import ApiObject, App, Chart, JsonPatch, YamlOutputType

CLASS = {"ALB": "alb", "NGINX": "nginx", "GATEWAY": None}


def env_vars(spec, env, s):
    by_name = {x["name"]: x for x in spec["services"]}
    externals = {x["name"]: x for x in spec["externals"]}
    out = {}
    for dst in s["calls"]:
        key = dst.upper().replace("-", "_")
        port = by_name[dst]["port"] if dst in by_name else externals[dst]["port"]
        out[f"{key}_HOST"] = kplus.EnvValue.from_value(
            f"{dst}.{env['namespace']}.svc.cluster.local")
        out[f"{key}_PORT"] = kplus.EnvValue.from_value(str(port))
    return out


def workload(chart, spec, env, s, version, headless):
    name = f"{s['name']}-{version}" if version else s["name"]
    labels = {"app": s["name"], **({"version": version} if version else {})}
    container = kplus.ContainerProps(
        name=s["name"],
        image=s["image"],
        port_number=s["port"],
        env_variables=env_vars(spec, env, s),
        readiness=kplus.Probe.from_http_get(s["health"], port=s["port"]) if s["health"] else None,
    )
    common = dict(
        metadata={"name": name, "labels": {**labels, "app.kubernetes.io/part-of": spec["name"]}},
        pod_metadata={"labels": labels},
        replicas=env["replicas"],
        containers=[container],
    )
    if s["stateful"]:
        return kplus.StatefulSet(chart, f"sts-{name}", service=headless, **common)
    return kplus.Deployment(chart, f"deploy-{name}", **common)


def service(chart, id_, name, selector, port, *, type_=None, annotations=None, cluster_ip=None,
            external_name=None):
    metadata = {"name": name, **({"annotations": annotations} if annotations else {})}
    svc = kplus.Service(
        chart, id_, metadata=metadata,
        ports=[kplus.ServicePort(name=port["name"], port=port["port"], target_port=port["port"],
                                 node_port=port.get("node_port"))],
        type=type_, cluster_ip=cluster_ip, external_name=external_name,
    )
    for k, v in selector.items():
        svc.select_label(k, v)
    return svc


def http_route(chart, spec, env, x, backends):
    """jsii's ApiObjectProps has no `spec`, so it is patched in; keys in the order cdk8s
    sorts them when the node app passes `spec` directly, so both flavours print the same."""
    route = ApiObject(chart, f"route-{x['service']}", api_version="gateway.networking.k8s.io/v1",
                      kind="HTTPRoute", metadata={"name": x["service"]})
    route.add_json_patch(JsonPatch.add("/spec", {
        "hostnames": [x["host"]],
        "parentRefs": [{"name": spec["name"], "namespace": env["namespace"]}],
        "rules": [{
            "backendRefs": [{"name": svc.name, "port": svc.port, "weight": w}
                            for svc, w in backends],
            "matches": [{"path": {"type": "PathPrefix", "value": x["path"]}}],
        }],
    }))


def expose(chart, spec, env, x, services):
    s = services[x["service"]]
    port = {"name": "http", "port": s["spec"]["port"]}
    via = x["via"]
    if via == "CLUSTER":
        return
    if via == "NODEPORT":
        service(chart, f"np-{x['service']}", f"{x['service']}-nodeport", {"app": x["service"]},
                {**port, "node_port": x["node_port"]}, type_=kplus.ServiceType.NODE_PORT)
        return
    if via == "NLB":
        a = "service.beta.kubernetes.io/aws-load-balancer-"
        annotations = {f"{a}type": "external", f"{a}nlb-target-type": "ip",
                       f"{a}scheme": "internet-facing"}
        if env.get("tls"):
            annotations[f"{a}ssl-cert"] = env["tls"]
        service(chart, f"nlb-{x['service']}", f"{x['service']}-lb", {"app": x["service"]}, port,
                type_=kplus.ServiceType.LOAD_BALANCER, annotations=annotations)
        return
    stable, canary = s["versions"] if s["versions"] else (s["main"], None)
    weight = round((x["canary"] or 0) * 100)
    if via == "GATEWAY":
        http_route(chart, spec, env, x, [(stable, 100 - weight), (canary, weight)]
                   if x["canary"] else [(s["main"], 100)])
        return
    rule = dict(host=x["host"], path=x["path"])
    kplus.Ingress(chart, f"ing-{x['service']}", metadata={"name": x["service"]},
                  class_name=CLASS[via], rules=[kplus.IngressRule(
                      backend=kplus.IngressBackend.from_service(stable if x["canary"]
                                                                else s["main"]), **rule)])
    if x["canary"]:
        kplus.Ingress(chart, f"ing-{x['service']}-canary", metadata={
            "name": f"{x['service']}-canary",
            "annotations": {"nginx.ingress.kubernetes.io/canary": "true",
                            "nginx.ingress.kubernetes.io/canary-weight": str(weight)},
        }, class_name=CLASS[via], rules=[kplus.IngressRule(
            backend=kplus.IngressBackend.from_service(canary), **rule)])


def env_chart(app, spec, env):
    chart = Chart(app, env["name"], namespace=env["namespace"])
    kplus.Namespace(chart, "namespace", metadata={"name": env["namespace"]})
    strict = env["isolation"] == "STRICT"
    if strict:
        everyone = kplus.Pods.all(chart, "all-pods")
        deny = kplus.NetworkPolicyTraffic(default=kplus.NetworkPolicyTrafficDefault.DENY)
        kplus.NetworkPolicy(chart, "default-deny", selector=everyone, ingress=deny, egress=deny)
        dns = kplus.NetworkPolicy(chart, "allow-dns", selector=everyone)
        dns.add_egress_rule(kplus.NetworkPolicyIpBlock.any_ipv4(chart, "dns-anywhere"),
                            [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)])
    for x in spec["externals"]:
        service(chart, f"ext-{x['name']}", x["name"], {}, {"name": "tcp", "port": x["port"]},
                type_=kplus.ServiceType.EXTERNAL_NAME, external_name=x["host"])
    services, workloads = {}, {}
    for s in spec["services"]:
        port = {"name": "tcp" if s["stateful"] else "http", "port": s["port"]}
        main = service(chart, f"svc-{s['name']}", s["name"], {"app": s["name"]}, port)
        headless = service(chart, f"hl-{s['name']}", f"{s['name']}-headless",
                           {"app": s["name"]}, port, cluster_ip="None") if s["stateful"] else None
        versions = [service(chart, f"svc-{s['name']}-{v}", f"{s['name']}-{v}",
                            {"app": s["name"], "version": v}, port) for v in s["versions"]]
        services[s["name"]] = {"spec": s, "main": main, "versions": versions}
        workloads[s["name"]] = [workload(chart, spec, env, s, v, headless)
                                for v in (s["versions"] or [None])]
    if strict:
        peers = {}
        externals = {x["name"]: x for x in spec["externals"]}
        for s in spec["services"]:
            for w in workloads[s["name"]]:
                for dst in s["calls"]:
                    if dst in externals:
                        w.connections.allow_to(
                            kplus.NetworkPolicyIpBlock.any_ipv4(chart, f"to-{w.name}-{dst}"),
                            ports=[kplus.NetworkPolicyPort.tcp(externals[dst]["port"])],
                            isolation=kplus.PodConnectionsIsolation.POD)
                    else:
                        if dst not in peers:
                            peers[dst] = kplus.Pods.select(chart, f"pods-{dst}",
                                                           labels={"app": dst})
                        w.connections.allow_to(
                            peers[dst],
                            ports=[kplus.NetworkPolicyPort.tcp(services[dst]["spec"]["port"])])
    for x in spec["exposures"]:
        expose(chart, spec, env, x, services)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    app = App(outdir=sys.argv[2],
              yaml_output_type=YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE)
    for env in spec["envs"]:
        env_chart(app, spec, env)
    app.synth()


if __name__ == "__main__":
    main()
