# Sourced by guest-init.sh when the kernel's command line says agent.init=systemd. Builds a
# writable root (overlay: the host's / over 9p, read-only, below; the ext4 scratch disk above),
# writes the units that run the job and mask what the host enables, and hands PID 1 to the host
# tree's systemd. The host's files are never written: every change lands on the scratch disk.
# Never returns: it execs systemd or powers off.

give_up() {
  echo "guest-systemd: $*" >/dev/console
  poweroff -f
}

mkdir -p /lower /rw /newroot
# cache=loose: systemd stats and reads its unit directories again and again (PID 1 answers each
# unit's UnitFileState by walking them; `systemd-analyze blame` asks for every unit), and each
# uncached 9p lookup is a round trip through qemu. Loose caching is safe here because an
# overlay's lower layer must not change while it is mounted anyway.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower ||
  give_up "cannot mount the host root over 9p"
mount -t ext4 /dev/vda /rw || give_up "cannot mount the scratch disk"
mkdir -p /rw/upper /rw/work
# overlayfs takes a 9p lower layer (only its upper must hold xattrs and be local), so dpkg can
# install into this root. Should a kernel refuse it, the fallback is a read-only 9p root with a
# tmpfs copy of /etc and an ext4 /var: systemd boots, but a dpkg install cannot work there.
if mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot; then
  root_mode=overlay
else
  echo "guest-systemd: overlay over 9p refused; read-only root with /etc on tmpfs" >/dev/console
  root_mode=fallback
  mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /newroot || give_up "cannot mount the host root twice"
  mkdir -p /rw/etc /rw/var
  cp -a /lower/etc/. /rw/etc/ || give_up "cannot copy /etc"
  mount --bind /rw/etc /newroot/etc
  mkdir -p /rw/var/lib /rw/var/log /rw/var/tmp /rw/var/cache
  cp -a /lower/var/lib/systemd /rw/var/lib/ 2>/dev/null
  mount --bind /rw/var /newroot/var
fi

# The host's /tmp stays visible (a checkout and its build may live there, as CI's does), but
# systemd-tmpfiles must not empty it at boot (Debian's tmp.conf says `D /tmp`: minutes of
# whiteouts over 9p for a few GiB): an /etc/tmpfiles.d/tmp.conf of the same name overrides it.
mkdir -p /newroot/etc/tmpfiles.d
echo 'd /tmp 1777 root root -' >/newroot/etc/tmpfiles.d/tmp.conf
# The host may itself be a container; this guest is a machine. systemd reads /.dockerenv as
# "virtualization: docker" and would then skip the units a container lacks (udev among them).
[ "$root_mode" = overlay ] && rm -f /newroot/.dockerenv /newroot/.containerenv

# A directory of the ext4 disk itself, outside the overlay: overlayfs refuses an upper layer on
# overlayfs, so what mounts overlays of its own (agentd's containers) keeps its data there.
mkdir -p /rw/disk /newroot/vm-disk
mount --bind /rw/disk /newroot/vm-disk || give_up "cannot bind the scratch disk's /disk"

# The results share outside /run: systemd mounts a fresh tmpfs on /run when none is there.
mkdir -p /newroot/vm-results
mount -t 9p -o trans=virtio,version=9p2000.L results /newroot/vm-results || give_up "cannot mount the results share"
echo "$root_mode" >/newroot/vm-results/root-mode

units=/newroot/etc/systemd/system
mkdir -p "$units" /newroot/etc/agent-vm
cp /agent-vm-run-job.sh /newroot/etc/agent-vm/run-job.sh
chmod 755 /newroot/etc/agent-vm/run-job.sh
# The units the host enables (listed from its *.wants directories when the initramfs was built)
# and the consoles' logins: a test guest needs none, and each costs seconds under TCG.
while read -r unit; do
  [ -n "$unit" ] && ln -sf /dev/null "$units/$unit"
done </agent-vm-masks
cat >"$units/agent-vm.target" <<'EOF'
[Unit]
Description=agent vm guest: basic system plus the job
Requires=basic.target
After=basic.target
Wants=agent-vm-job.service
AllowIsolate=yes
EOF
# Type=exec rather than oneshot: a oneshot's start job would keep the boot's job queue busy
# until the job ends, so `systemctl is-system-running` would say "starting" and
# `systemd-analyze` would refuse ("Bootup is not yet finished") inside the job.
cat >"$units/agent-vm-job.service" <<'EOF'
[Unit]
Description=agent vm guest job (the results share's job.sh)
After=basic.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=exec
ExecStart=/etc/agent-vm/run-job.sh
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console
EOF

# The API file systems go with the root; systemd mounts the rest (cgroup2 on /sys/fs/cgroup,
# since the command line has systemd.unified_cgroup_hierarchy=1).
echo "guest-systemd: root is $root_mode; starting systemd" >/dev/console
for fs in proc sys dev; do
  mount --move /$fs /newroot/$fs
done
exec switch_root /newroot /lib/systemd/systemd
