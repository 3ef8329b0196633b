#!/usr/bin/env bash
# Builds the `busybox` image: IMAGES_DIR/busybox/rootfs from Debian's busybox-static, with an
# applet link for every command, /etc/passwd, /etc/group and the usual empty directories.
# Usage: make-busybox-image.sh IMAGES_DIR. Rebuilds only when busybox changed.
set -euo pipefail
images=${1:?usage: make-busybox-image.sh IMAGES_DIR}
busybox=/bin/busybox
# ldd exits 1 for a static binary, so look at what it says rather than its status.
if ! { ldd "$busybox" 2>&1 || true; } | grep -q 'not a dynamic'; then
  echo "make-busybox-image: $busybox is not the static busybox; run scripts/install-deps.sh run" >&2
  exit 1
fi
image=$images/busybox
stamp=$image/.source
want="$(stat -c '%s %Y' "$busybox")"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
mkdir -p "$images"
stage=$(mktemp -d "$images/.busybox.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,run,var/tmp,home}
chmod 1777 "$root/tmp" "$root/var/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
  [ "$applet" = bin/busybox ] && continue
  ln -sf /bin/busybox "$root/$applet"
done
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo "$want" >"$stage/.source"
rm -rf "$image"
mv "$stage" "$image"
trap - EXIT
echo "make-busybox-image: built $image/rootfs"
