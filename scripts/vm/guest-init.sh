#!/bin/busybox sh
# /init of the test guest: a cgroup-v2-only kernel that runs one job from the host's tree.
# The host's / comes in read-only over 9p; a second, writable 9p share carries the job script
# in and the results out. Whatever happens, the guest powers off so qemu exits.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         netfs fscache 9pnet 9pnet_virtio 9p overlay virtio_blk crc16 crc32c_generic mbcache jbd2 ext4; do
  insmod /lib/modules/$m.ko 2>/dev/null
done

# agent.init=systemd on the kernel's command line (run-in-vm.sh --init systemd): boot the host
# tree's systemd as PID 1 on a writable root instead (guest-systemd.sh).
case " $(cat /proc/cmdline) " in
  *" agent.init=systemd "*) . /guest-systemd.sh ;;
esac

mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host; then
  echo "guest-init: cannot mount the host root over 9p" >/dev/console
  poweroff -f
fi
# Mount points on the read-only host tree: only directories that exist on every Debian host,
# and none where a checkout may live (a build under /tmp or /home must stay visible), so the
# writable places are under /run, a tmpfs on every host anyway.
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t cgroup2 -o nsdelegate cgroup2 /host/sys/fs/cgroup
mount -t devtmpfs dev /host/dev
mount -t tmpfs -o mode=755 run /host/run
mkdir -p /host/run/results /host/run/tmp
# The tests' scratch space (TMPDIR) is an ext4 disk, as a host's /var/lib is: Debian 12's 6.1
# cannot idmap a tmpfs (6.3 can), which --userns auto needs for the image's layer.
if ! mount -t ext4 /dev/vda /host/run/tmp; then
  echo "guest-init: cannot mount the scratch disk; TMPDIR stays on tmpfs" >/dev/console
fi
chmod 1777 /host/run/tmp
mount -t 9p -o trans=virtio,version=9p2000.L results /host/run/results

echo "guest-init: running job" >/dev/console
# The host tree is moved onto / before the chroot, so that the job's root is its mount
# namespace's root: a chrooted process may not create a user namespace (clone(2): EPERM),
# which --userns auto does. This shell keeps the initramfs as its root; it reaches the host
# tree through its working directory from here on.
cd /host
mount --move /host /
chroot . /bin/sh -c 'cd /run/results && TMPDIR=/run/tmp sh ./job.sh' >run/results/job.log 2>&1
echo $? >run/results/exit-code
sync
echo "guest-init: job finished with status $(cat run/results/exit-code)" >/dev/console
umount run/results
poweroff -f
