#!/bin/sh
# Builds the Debian package from this tree as it is (committed or not) and checks it:
#   scripts/build-deb.sh [--prebuilt BUILD_DIR] OUT_DIR [JOBS]
# --prebuilt packs the binaries of BUILD_DIR, a build `make build` configured (prefix /usr,
# man pages on, Debian's hardening), instead of compiling them again with Debian's flags:
# `make test`'s package tier does, after the build it tests. `make deb` builds from scratch.
# OUT_DIR gets agentd_<version>_<arch>.deb (also as agentd.deb, a stable name for the vm
# guest's job), .buildinfo, .changes and lint.txt. The build runs in a copy under
# OUT_DIR/src: dpkg-buildpackage writes into the source tree (obj-*, debian/agentd/) and its
# results into the tree's parent, neither of which should be this checkout.
# Exits non-zero when the build fails, lintian reports anything at its default level
# (errors or warnings), or the package's file list misses a file docs/deploy.md promises.
set -eu

prebuilt=
if [ "${1:-}" = --prebuilt ]; then
	prebuilt=$(cd "$2" && pwd)
	shift 2
fi
out=$1
jobs=${2:-$(nproc)}
here=$(cd "$(dirname "$0")/.." && pwd)
# A missing tool: 77 (ctest's skip) on a developer's machine, a failure under CI, where the
# test set is installed and a missing tool is a set-up fault.
for tool in dpkg-buildpackage lintian help2man dh; do
	command -v "$tool" >/dev/null && continue
	echo "build-deb: $tool is missing: install the test set (scripts/install-deps.sh test)" >&2
	case ${CI:-} in '' | false) exit 77 ;; *) exit 1 ;; esac
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src/agentd
rm -rf "$out/src" "$out"/agentd_* "$out/agentd.deb" "$out"/lint*.txt
mkdir -p "$src"
# Tracked and new files, not what .gitignore leaves out (build trees).
cd "$here"
git ls-files -z --cached --others --exclude-standard | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -xf - -C "$src"

started=$(date +%s)
(cd "$src" && AGENT_PREBUILT=$prebuilt dpkg-buildpackage -b -us -uc -J"$jobs") >"$out/build.log" 2>&1 || {
	tail -50 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
}
echo "build-deb: built in $(($(date +%s) - started)) s"
mv "$out"/src/agentd_* "$out"/
# The copy stays (under the build tree) for a look at what dh built; the next run replaces it.
deb=$(ls "$out"/agentd_*.deb)
ln -sf "$(basename "$deb")" "$out/agentd.deb"
echo "build-deb: $deb"

# The tree docs/deploy.md describes.
listing=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for path in ./usr/sbin/agentd ./usr/bin/agentctl ./usr/libexec/agent/agent-shim \
	./usr/share/agent/seccomp/default.json ./usr/share/agent/dashboards/host-overview.json \
	./lib/systemd/system/agentd.service ./etc/agent/agent.yaml ./etc/agent/policies.d/example.yaml \
	./usr/share/man/man8/agentd.8.gz ./usr/share/man/man1/agentctl.1.gz \
	./usr/share/bash-completion/completions/agentctl; do
	echo "$listing" | grep -qx "$path" || {
		echo "build-deb: $path is not in the package" >&2
		exit 1
	}
done
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)
for path in /etc/agent/agent.yaml /etc/agent/policies.d/example.yaml; do
	echo "$conffiles" | grep -qx "$path" || {
		echo "build-deb: $path is not a conffile" >&2
		exit 1
	}
done

# Lintian's default level shows errors and warnings: the package must have none. (Its own
# complaints, such as running as root, go to stderr.)
if ! lintian --fail-on error,warning "$deb" >"$out/lint.txt" 2>"$out/lint-stderr.txt" ||
	grep -q '^[EW]:' "$out/lint.txt"; then
	cat "$out/lint.txt" "$out/lint-stderr.txt" >&2
	echo "build-deb: lintian is not clean" >&2
	exit 1
fi
echo "build-deb: lintian clean"
