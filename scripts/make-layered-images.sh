#!/usr/bin/env bash
# Layered test images made by tools no one here wrote (umoci, skopeo; Debian's), offline,
# from the busybox rootfs: docs/testing.md says which test uses which.
#   OUT/oci/               an OCI image layout with the tags below
#     base   one layer: busybox
#     app    base + a layer that adds /hello.txt and /etc/app/conf, deletes /bin/vi (a whiteout),
#            and replaces /etc/skel-like dir /opt/data (an opaque directory); config: Cmd, Env,
#            WorkingDir, User, Labels, ExposedPorts
#     tool   base + a layer of its own (shares base's layer with app)
#     many   base + 120 one-file layers
#   OUT/app.tar, OUT/tool.tar, OUT/many.tar   docker save's format (skopeo docker-archive:), named app:v1 ...
#   OUT/app-oci.tar                           an OCI layout in a tar (skopeo oci-archive:)
# Usage: make-layered-images.sh OUT BUSYBOX_ROOTFS
set -euo pipefail
out=$1
rootfs=$2
for tool in umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "make-layered-images: $tool missing; run scripts/install-deps.sh test" >&2; exit 1; }
done
# Made again only when this script or the busybox rootfs changed.
stamp=$out/.made
if [ -f "$stamp" ] && [ "$stamp" -nt "$0" ] && [ "$stamp" -nt "$rootfs/bin/busybox" ]; then exit 0; fi
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d "$out/.work-XXXXXX")
layout=$out/oci
umoci init --layout "$layout"
umoci new --image "$layout:base"
umoci unpack --image "$layout:base" "$work/base" >/dev/null
cp -a "$rootfs/." "$work/base/rootfs/"
mkdir -p "$work/base/rootfs/opt/data"
echo lower >"$work/base/rootfs/opt/data/old.txt"
umoci repack --image "$layout:base" "$work/base"
umoci config --image "$layout:base" --config.cmd=/bin/sh

umoci unpack --image "$layout:base" "$work/app" >/dev/null
echo hello from a layer >"$work/app/rootfs/hello.txt"
mkdir -p "$work/app/rootfs/etc/app"
echo "level=2" >"$work/app/rootfs/etc/app/conf"
ln "$work/app/rootfs/etc/app/conf" "$work/app/rootfs/etc/app/conf.hardlink"
ln -s conf "$work/app/rootfs/etc/app/link1"
ln -s link1 "$work/app/rootfs/etc/app/link2"
rm "$work/app/rootfs/bin/vi"
umoci repack --image "$layout:app" "$work/app"
mkdir -p "$work/opaque"
echo upper >"$work/opaque/new.txt"
umoci insert --image "$layout:app" --opaque "$work/opaque" /opt/data >/dev/null
umoci config --image "$layout:app" --clear=config.cmd --config.cmd=/bin/sh --config.cmd=-c \
  --config.cmd='echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; cat /hello.txt' \
  --config.env=GREETING=hi --config.workingdir=/tmp --config.user=nobody --config.label=team=core \
  --config.exposedports=8080/tcp

umoci unpack --image "$layout:base" "$work/tool" >/dev/null
echo tool >"$work/tool/rootfs/tool.txt"
umoci repack --image "$layout:tool" "$work/tool"

umoci tag --image "$layout:base" many
echo x >"$work/one"
for i in $(seq 120); do umoci insert --image "$layout:many" "$work/one" "/layers/f$i" >/dev/null; done
umoci config --image "$layout:many" --config.cmd=/bin/sh --config.cmd=-c --config.cmd='ls /layers | wc -l'

umoci gc --layout "$layout"
for image in app tool many; do
  skopeo copy -q "oci:$layout:$image" "docker-archive:$out/$image.tar:$image:v1"
done
skopeo copy -q "oci:$layout:app" "oci-archive:$out/app-oci.tar:app:v1"
rm -rf "$work"
touch "$stamp"
echo "make-layered-images: made $out"
