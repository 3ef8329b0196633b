#!/usr/bin/env python3
"""deploy/kubernetes/ checked offline: each YAML document parses and says what docs/deploy.md
promises (DaemonSet with hostPID, privileged, the host's cgroup tree, /run/agent and /var/lib/agent,
policies from a ConfigMap, requests, the metrics port; a Service that selects its pods), and
`kubectl apply --dry-run=client --validate=false -f deploy/kubernetes/` accepts every object against a
stub discovery server on loopback (kubectl_stub_server.py says why kubectl needs one).

Usage: check_kubernetes_manifests.py DIR. A missing kubectl skips (exit 77) on a developer's machine and
fails under CI (CI set and not "false").
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

import kubectl_stub_server

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def documents(directory):
    docs = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(directory, name)) as f:
            for doc in yaml.safe_load_all(f):
                if doc is None:
                    continue
                check(isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc and "metadata" in doc,
                      "%s: a document without apiVersion, kind and metadata" % name)
                docs.append((name, doc))
    return docs


def check_contents(docs):
    by_kind = {}
    for name, doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    check(len(by_kind.get("DaemonSet", [])) == 1, "exactly one DaemonSet")
    check(len(by_kind.get("Service", [])) == 1, "exactly one Service")
    if failures:
        return
    ds = by_kind["DaemonSet"][0]
    pod = ds["spec"]["template"]["spec"]
    labels = ds["spec"]["template"]["metadata"]["labels"]
    check(labels.get("app.kubernetes.io/name") == "agentd", "pod label app.kubernetes.io/name: agentd")
    check(ds["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the selector matches the pod's labels")
    check(pod.get("hostPID") is True, "hostPID: true")
    [container] = pod["containers"]
    check(container.get("securityContext", {}).get("privileged") is True, "a privileged container")
    check(container.get("resources", {}).get("requests", {}).keys() >= {"cpu", "memory"}, "cpu and memory requests")
    ports = {p["name"]: p for p in container.get("ports", [])}
    check(ports.get("metrics", {}).get("containerPort") == 9101, "a container port named metrics, 9101")
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}

    def host_path(mount_path):
        mount = mounts.get(mount_path)
        check(mount is not None, "a mount at " + mount_path)
        return volumes.get(mount["name"], {}).get("hostPath", {}) if mount else {}

    check(host_path("/sys/fs/cgroup").get("path") == "/sys/fs/cgroup", "hostPath /sys/fs/cgroup")
    check(host_path("/run/agent") == {"path": "/run/agent", "type": "DirectoryOrCreate"},
          "hostPath /run/agent, DirectoryOrCreate")
    check(host_path("/var/lib/agent").get("path") == "/var/lib/agent", "hostPath /var/lib/agent")
    policies = mounts.get("/etc/agent/policies.d", {})
    check("subPath" not in policies, "policies mounted whole (kubelet never updates a subPath mount)")
    config_maps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    policy_map = volumes.get(policies.get("name"), {}).get("configMap", {}).get("name")
    check(policy_map in config_maps, "policies from a ConfigMap of this directory")
    if policy_map in config_maps:
        for key, text in config_maps[policy_map].get("data", {}).items():
            check(key.endswith((".yaml", ".yml")), "policy key %s ends in .yaml (agentd reads only those)" % key)
            check("policies" in (yaml.safe_load(text) or {}), "policy key %s holds policies:" % key)
    svc = by_kind["Service"][0]
    check(svc["spec"]["selector"].items() <= labels.items(), "the Service selects the DaemonSet's pods")
    check(any(p.get("name") == "metrics" and p.get("port") == 9101 for p in svc["spec"]["ports"]),
          "the Service's port named metrics, 9101")
    namespace = ds["metadata"].get("namespace")
    for name, doc in docs:
        if doc["kind"] != "Namespace":
            check(doc["metadata"].get("namespace") == namespace, "%s %s in namespace %s" %
                  (doc["kind"], doc["metadata"]["name"], namespace))


def kubectl_dry_run(directory, docs):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        ci = os.environ.get("CI", "")
        if ci and ci != "false":
            failures.append("kubectl is missing under CI (scripts/install-deps.sh installs it)")
            return
        print("SKIPPED: kubectl is not installed")
        sys.exit(77)
    server, url = kubectl_stub_server.start()
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(kubeconfig, "w") as f:
            yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "stub",
                            "clusters": [{"name": "stub", "cluster": {"server": url}}],
                            "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "stub"}}],
                            "users": [{"name": "stub", "user": {}}]}, f)
        env = dict(os.environ, HOME=tmp, KUBECACHEDIR=os.path.join(tmp, "cache"))
        started = time.monotonic()
        ran = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "--cache-dir", os.path.join(tmp, "cache"),
                              "apply", "--dry-run=client", "--validate=false", "-f", directory],
                             capture_output=True, text=True, env=env, timeout=60)
        took = time.monotonic() - started
    server.shutdown()
    print(ran.stdout + ran.stderr)
    print("kubectl apply --dry-run=client took %.2f s" % took)
    check(ran.returncode == 0, "kubectl apply --dry-run=client exited %d" % ran.returncode)
    for name, doc in docs:
        kind, obj = doc["kind"].lower(), doc["metadata"]["name"]
        group = "" if "/" not in doc["apiVersion"] else "." + doc["apiVersion"].split("/")[0]
        check("%s%s/%s created" % (kind, group, obj) in ran.stdout, "kubectl: %s/%s created (dry run)" % (kind, obj))
    writes = [r for r in kubectl_stub_server.requests() if r[0] != "GET"]
    check(not writes, "a client dry run wrote to the server: %s" % writes)


def main():
    directory = sys.argv[1]
    docs = documents(directory)
    check(len(docs) >= 4, "at least 4 documents (Namespace, ConfigMaps, DaemonSet, Service)")
    check_contents(docs)
    if not failures:
        kubectl_dry_run(directory, docs)
    for f in failures:
        print("FAIL:", f)
    print("%d documents, %d failures" % (len(docs), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
