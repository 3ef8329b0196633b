#!/usr/bin/env bash
# Writes the runc bundle the benchmarks compare agentd's containers with: ROOTFS as the root
# (read-only, as our overlay's lower layer), the same namespaces, a cgroup at CGROUPS_PATH, the
# same /dev and masks, Docker's capabilities; with SECCOMP_JSON (an OCI `linux.seccomp`, e.g.
# from docker_profile_to_oci.py) the filter dockerd hands runc for `docker run`.
# Usage: runc_bundle.sh BUNDLE ROOTFS CGROUPS_PATH ARGS_JSON [SECCOMP_JSON]
#   e.g. runc_bundle.sh /tmp/b /images/busybox/rootfs /agent-test-1-bench/runc '["/bin/true"]'
set -euo pipefail
bundle=${1:?usage: runc_bundle.sh BUNDLE ROOTFS CGROUPS_PATH ARGS_JSON [SECCOMP_JSON]}
rootfs=${2:?}
cgroups_path=${3:?}
args=${4:?}
seccomp=${5:-}
mkdir -p "$bundle"
caps='"CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"'
cat >"$bundle/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": $args,
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "cwd": "/", "noNewPrivileges": true,
    "capabilities": {"bounding": [$caps], "effective": [$caps], "permitted": [$caps]}},
  "root": {"path": "$rootfs", "readonly": true},
  "hostname": "bench",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid","noexec","nodev","mode=1777","size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]}
  ],
  "linux": {
    "cgroupsPath": "$cgroups_path",
    "resources": {"pids": {"limit": 1000}},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"],
    "readonlyPaths": ["/proc/sys"]
  }
}
JSON
[ -z "$seccomp" ] && exit 0
python3 - "$bundle/config.json" "$seccomp" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["linux"]["seccomp"] = json.load(open(sys.argv[2]))
json.dump(config, open(sys.argv[1], "w"))
PY
