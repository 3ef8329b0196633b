#!/usr/bin/env python3
"""Writes the two Grafana dashboards (host-overview.json, container-detail.json).

The JSON files are what users import; this script is how they are kept consistent (one
panel helper, the same datasource and variables everywhere). Run it after editing and
commit its output: `python3 dashboards/generate.py`.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

INPUTS = [{
    "name": "DS_PROMETHEUS", "label": "Prometheus", "description": "Where agentd's /metrics are scraped",
    "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus",
}]


def datasource_variable():
    # A datasource variable of the same name makes ${DS_PROMETHEUS} resolve both when the
    # dashboard is imported (the input) and when it is provisioned from a file.
    return {"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "hide": 0, "current": {}, "refresh": 1}


def query_variable(name, label, query, multi=False):
    return {"name": name, "label": label, "type": "query", "datasource": DS, "query": query,
            "definition": query, "refresh": 2, "sort": 1, "multi": multi, "includeAll": multi, "hide": 0,
            "current": {}}


class Layout:
    def __init__(self):
        self.panels = []
        self.x = 0
        self.y = 0

    def add(self, kind, title, targets, unit="short", width=12, height=8, description="", extra=None):
        if self.x + width > 24:
            self.x = 0
            self.y += height
        panel = {
            "id": len(self.panels) + 1, "type": kind, "title": title, "description": description,
            "datasource": DS, "gridPos": {"x": self.x, "y": self.y, "w": width, "h": height},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}} if kind == "timeseries" else {},
            "targets": [{"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend}
                        for i, (expr, legend) in enumerate(targets)],
        }
        if extra:
            panel.update(extra)
        self.panels.append(panel)
        self.x += width


def dashboard(uid, title, description, variables, layout, tags):
    return {
        "__inputs": INPUTS,
        "__requires": [{"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}],
        "uid": uid, "title": title, "description": description, "tags": tags,
        "editable": True, "schemaVersion": 38, "version": 1, "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"}, "timezone": "",
        "templating": {"list": [datasource_variable()] + variables},
        "panels": layout.panels,
    }


# Selectors shared by the panels. `id!="/"` leaves the machine's root group out.
I = 'instance=~"$instance"'
C = 'instance=~"$instance", id!="/"'
ONE = 'instance=~"$instance", name="$container"'


def host_overview():
    p = Layout()
    p.add("stat", "Containers", [(f'count(container_last_seen{{{C}}})', "containers")], width=6, height=4,
          description="Containers the agent exports (export: containers)")
    p.add("stat", "Paused containers", [(f'sum(agent_container_frozen{{{C}}})', "paused")], width=6, height=4)
    p.add("stat", "OOM kills (1h)", [(f'sum(increase(container_oom_events_total{{{C}}}[1h]))', "OOM kills")],
          width=6, height=4)
    p.add("stat", "Host CPUs", [(f'sum(max by (instance) (machine_cpu_cores{{{I}}}))', "CPUs")], width=6, height=4,
          description="Summed over the hosts selected")
    p.add("timeseries", "CPU by container",
          [(f'sum by (instance, name) (rate(container_cpu_usage_seconds_total{{{C}, cpu="total"}}'
            f'[$__rate_interval]))', "{{name}} {{instance}}")], unit="percentunit", description="CPUs used (1.0 = one CPU)")
    p.add("timeseries", "Memory by container (working set)",
          [(f'sum by (instance, name) (container_memory_working_set_bytes{{{C}}})', "{{name}} {{instance}}")], unit="bytes")
    p.add("timeseries", "CPU throttling by container",
          [(f'sum by (instance, name) (rate(container_cpu_cfs_throttled_periods_total{{{C}}}[$__rate_interval])) / '
            f'sum by (instance, name) (rate(container_cpu_cfs_periods_total{{{C}}}[$__rate_interval]))',
            "{{name}} {{instance}}")],
          unit="percentunit", description="Share of CFS periods in which the container was throttled")
    p.add("timeseries", "OOM kills by container",
          [(f'sum by (instance, name) (increase(container_oom_events_total{{{C}}}[$__rate_interval]))',
            "{{name}} {{instance}}")])
    p.add("timeseries", "Host CPU and memory",
          [(f'sum by (instance) (rate(container_cpu_usage_seconds_total{{{I}, id="/", cpu="total"}}'
            f'[$__rate_interval]))', "CPUs used {{instance}}"),
           (f'sum by (instance) (container_memory_working_set_bytes{{{I}, id="/"}}) / '
            f'sum by (instance) (machine_memory_bytes{{{I}}})', "memory used (share) {{instance}}")], unit="short")
    p.add("timeseries", "Agent health",
          [(f'up{{{I}}}', "up {{instance}}"),
           (f'histogram_quantile(0.99, sum by (instance, le) (rate(agent_collection_duration_seconds_bucket{{{I}}}'
            f'[$__rate_interval])))', "collection p99 (s) {{instance}}"),
           (f'sum by (instance) (agent_cgroups{{{I}}})', "cgroups walked {{instance}}")])
    variables = [query_variable("instance", "Agent", 'label_values(up{job="agent"}, instance)', multi=True)]
    return dashboard("agent-host-overview", "Agent: host overview",
                     "Containers, CPU and memory by container, throttling, OOM kills, paused containers, agent health",
                     variables, p, ["agentd", "containers"])


def container_detail():
    p = Layout()
    p.add("timeseries", "CPU vs limit",
          [(f'sum by (instance) (rate(container_cpu_usage_seconds_total{{{ONE}, cpu="total"}}[$__rate_interval]))', "used {{instance}}"),
           (f'sum by (instance) (container_spec_cpu_quota{{{ONE}}}) / sum by (instance) (container_spec_cpu_period{{{ONE}}})', "limit {{instance}}")],
          unit="short", description="CPUs (1.0 = one CPU); no limit line when unlimited")
    p.add("timeseries", "Memory vs limit",
          [(f'sum by (instance) (container_memory_working_set_bytes{{{ONE}}})', "working set {{instance}}"),
           (f'sum by (instance) (container_memory_usage_bytes{{{ONE}}})', "usage (with cache) {{instance}}"),
           (f'sum by (instance) (container_spec_memory_limit_bytes{{{ONE}}} > 0)', "limit {{instance}}")], unit="bytes")
    p.add("timeseries", "Throttled ratio",
          [(f'sum by (instance) (rate(container_cpu_cfs_throttled_periods_total{{{ONE}}}[$__rate_interval])) / '
            f'sum by (instance) (rate(container_cpu_cfs_periods_total{{{ONE}}}[$__rate_interval]))', "throttled {{instance}}")],
          unit="percentunit")
    p.add("timeseries", "Tasks vs limit",
          [(f'sum by (instance) (container_threads{{{ONE}}})', "tasks {{instance}}"),
           (f'sum by (instance) (container_threads_max{{{ONE}}} > 0)', "limit {{instance}}"),
           (f'sum by (instance) (container_processes{{{ONE}}})', "processes {{instance}}")])
    p.add("timeseries", "Disk I/O",
          [(f'sum by (instance, device) (rate(container_fs_reads_bytes_total{{{ONE}}}[$__rate_interval]))', "read {{device}} {{instance}}"),
           (f'sum by (instance, device) (rate(container_fs_writes_bytes_total{{{ONE}}}[$__rate_interval]))',
            "write {{device}} {{instance}}")], unit="Bps")
    p.add("timeseries", "Network",
          [(f'sum by (instance, interface) (rate(container_network_receive_bytes_total{{{ONE}}}[$__rate_interval]))',
            "in {{interface}} {{instance}}"),
           (f'sum by (instance, interface) (rate(container_network_transmit_bytes_total{{{ONE}}}[$__rate_interval]))',
            "out {{interface}} {{instance}}")], unit="Bps", description="Containers on the host's network show none")
    p.add("timeseries", "Pressure (cgroup v2)",
          [(f'rate(container_pressure_cpu_waiting_seconds_total{{{ONE}}}[$__rate_interval])', "cpu some {{instance}}"),
           (f'rate(container_pressure_memory_waiting_seconds_total{{{ONE}}}[$__rate_interval])', "memory some {{instance}}"),
           (f'rate(container_pressure_io_waiting_seconds_total{{{ONE}}}[$__rate_interval])', "io some {{instance}}")],
          unit="percentunit", description="Share of time some tasks waited; cgroup v2 hosts only")
    # agentd's own containers have their lifecycle state; another engine's (Docker, podman)
    # are running or paused as their cgroup's freezer says.
    state = (f'max by (instance, state) (agent_container_state{{{ONE}}})'
             f' or max by (instance, state) (label_replace(agent_container_frozen{{{ONE}}} == 1, "state", "paused", "", ""))'
             f' or max by (instance, state) (label_replace(agent_container_frozen{{{ONE}}} == 0, "state", "running", "", "") + 1)')
    p.add("stat", "State", [(state, "{{state}} {{instance}}")], width=6, height=8,
          description="agentd's containers: their state; other engines' containers: running or paused (freezer)")
    p.add("stat", "OOM kills", [(f'sum by (instance) (container_oom_events_total{{{ONE}}})', "OOM kills {{instance}}")], width=6, height=8)
    variables = [
        query_variable("instance", "Agent", 'label_values(up{job="agent"}, instance)', multi=True),
        query_variable("container", "Container", 'label_values(container_last_seen{instance=~"$instance", id!="/"}, name)'),
    ]
    return dashboard("agent-container-detail", "Agent: container detail",
                     "One container: CPU and memory against their limits, throttling, tasks, I/O, network, pressure",
                     variables, p, ["agentd", "containers"])


if __name__ == "__main__":
    import sys
    # --out DIR: write there instead (the unit tier compares that with the committed files).
    out_dir = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else HERE
    for name, board in (("host-overview.json", host_overview()), ("container-detail.json", container_detail())):
        with open(os.path.join(out_dir, name), "w") as out:
            json.dump(board, out, indent=2)
            out.write("\n")
