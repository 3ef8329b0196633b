#!/usr/bin/env python3
"""Checks prometheus-kubernetes.yml's pod discovery without a cluster (Debian's promtool has no
kubernetes_sd): its relabelling keeps a pod of the DaemonSet on its `metrics` port and drops
every other, as Prometheus applies `keep` (a full match of the regex on the joined labels)."""
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def kept(relabels, labels):
    labels = dict(labels)
    for rule in relabels:
        value = rule.get("separator", ";").join(labels.get(name, "") for name in rule.get("source_labels", []))
        regex = "(?:%s)" % rule.get("regex", "(.*)")
        action = rule.get("action", "replace")
        if action == "keep" and not re.fullmatch(regex, value):
            return None
        if action == "replace":
            match = re.fullmatch(regex, value)
            if match:
                labels[rule["target_label"]] = match.expand(rule.get("replacement", "$1").replace("$1", r"\1"))
    return labels


def main():
    config = yaml.safe_load(open(os.path.join(HERE, "prometheus-kubernetes.yml")))
    jobs = config["scrape_configs"]
    assert [j["job_name"] for j in jobs] == ["agent"], "one job, named agent (AgentDown selects job=\"agent\")"
    job = jobs[0]
    assert job["kubernetes_sd_configs"] == [{"role": "pod"}]
    pod = {"__meta_kubernetes_pod_label_app_kubernetes_io_name": "agentd",
           "__meta_kubernetes_pod_container_port_name": "metrics",
           "__meta_kubernetes_pod_container_port_number": "9101",
           "__meta_kubernetes_pod_node_name": "node-3"}
    labels = kept(job["relabel_configs"], pod)
    assert labels is not None, "the DaemonSet's metrics port is dropped"
    assert labels["instance"] == "node-3:9101" and labels["node"] == "node-3", labels
    for name, value in [("__meta_kubernetes_pod_label_app_kubernetes_io_name", "other"),
                        ("__meta_kubernetes_pod_container_port_name", "api")]:
        assert kept(job["relabel_configs"], dict(pod, **{name: value})) is None, name + "=" + value + " is kept"
    print("prometheus-kubernetes.yml keeps agentd's metrics port and nothing else")


if __name__ == "__main__":
    sys.exit(main())
