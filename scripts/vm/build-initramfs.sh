#!/usr/bin/env bash
# Builds the test guest's initramfs: busybox, the virtio + 9p + ext4 modules of Debian's kernel, and
# guest-init.sh as /init. Usage: build-initramfs.sh OUT_DIR. Prints the kernel image path.
set -euo pipefail
out=${1:?usage: build-initramfs.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)

kernel=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$kernel" ]; then
  echo "build-initramfs: no Debian kernel in /boot; run scripts/install-deps.sh test (linux-image-amd64)" >&2
  exit 1
fi
version=${kernel#/boot/vmlinuz-}
modules=/lib/modules/$version
busybox=/bin/busybox
[ -x "$busybox" ] && file_is_static=$(ldd "$busybox" 2>&1 | grep -c 'not a dynamic' || true)
if [ "${file_is_static:-0}" = 0 ]; then
  echo "build-initramfs: $busybox is not the static busybox; install busybox-static" >&2
  exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,proc,sys,dev,lib/modules}
cp "$busybox" "$stage/bin/busybox"
cp "$here/guest-init.sh" "$stage/init"
chmod 755 "$stage/init"
# The systemd mode's parts (run-in-vm.sh --init systemd): its root set-up, the job's runner, and
# the units to mask: what this host enables in /etc/systemd/system/*.wants (targets aside, which
# only group), listed now so the list fits whatever host builds the guest, plus the logins.
cp "$here/guest-systemd.sh" "$stage/guest-systemd.sh"
cp "$here/agent-vm-run-job.sh" "$stage/agent-vm-run-job.sh"
{
  for unit in /etc/systemd/system/*.wants/*; do
    [ -e "$unit" ] || [ -L "$unit" ] || continue
    case "$unit" in *.target) continue ;; esac
    basename "$unit"
  done
  printf '%s\n' getty@tty1.service serial-getty@ttyS0.service systemd-timesyncd.service \
    systemd-networkd-wait-online.service systemd-logind.service
} | sort -u >"$stage/agent-vm-masks"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         netfs fscache 9pnet 9pnet_virtio 9p overlay virtio_blk crc16 crc32c_generic mbcache jbd2 ext4; do
  ko=$(find "$modules/kernel" -name "$m.ko*" | head -n 1)
  if [ -z "$ko" ]; then
    # Built into this kernel rather than a module: nothing to load.
    grep -q "/$m.ko" "$modules/modules.builtin" 2>/dev/null && continue
    echo "build-initramfs: module $m not found under $modules" >&2
    exit 1
  fi
  case "$ko" in
    *.ko.xz) xz -dc "$ko" >"$stage/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$ko" >"$stage/lib/modules/$m.ko" ;;
    *) cp "$ko" "$stage/lib/modules/$m.ko" ;;
  esac
done
mkdir -p "$out"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"
echo "$kernel"
