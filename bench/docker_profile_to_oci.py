#!/usr/bin/env python3
"""Docker's seccomp profile (profiles/seccomp/default.json) as an OCI runtime spec's
linux.seccomp object, for amd64 and a given capability set: what dockerd hands runc for
`docker run` (moby's profiles/seccomp setupSeccomp: the native arch and its sub-arches;
a rule kept when its `includes` arches and caps are met and its `excludes` are not).

Usage: docker_profile_to_oci.py PROFILE.json CAP_CHOWN,CAP_KILL,... > seccomp.json
"""
import json
import platform
import sys

ARCH = "amd64"
NATIVE = "SCMP_ARCH_X86_64"


def kernel_at_least(version):
    def parts(text):
        return [int(p) for p in text.split("-")[0].split(".")[:2]]
    return parts(platform.release()) >= parts(version)


def wanted(rule, caps):
    includes = rule.get("includes", {})
    excludes = rule.get("excludes", {})
    if includes.get("arches") and ARCH not in includes["arches"]:
        return False
    if any(cap not in caps for cap in includes.get("caps", [])):
        return False
    if includes.get("minKernel") and not kernel_at_least(includes["minKernel"]):
        return False
    if ARCH in excludes.get("arches", []):
        return False
    if any(cap in caps for cap in excludes.get("caps", [])):
        return False
    return True


def main():
    profile = json.load(open(sys.argv[1]))
    caps = set(sys.argv[2].split(","))
    arches = []
    for entry in profile.get("archMap", []):
        if entry["architecture"] == NATIVE:
            arches = [entry["architecture"]] + entry.get("subArchitectures", [])
    syscalls = []
    for rule in profile["syscalls"]:
        if not wanted(rule, caps):
            continue
        kept = {"names": rule["names"], "action": rule["action"]}
        for key in ("args", "errnoRet"):
            if rule.get(key):
                kept[key] = rule[key]
        syscalls.append(kept)
    seccomp = {"defaultAction": profile["defaultAction"], "architectures": arches, "syscalls": syscalls}
    if "defaultErrnoRet" in profile:
        seccomp["defaultErrnoRet"] = profile["defaultErrnoRet"]
    json.dump(seccomp, sys.stdout)


main()
