#!/usr/bin/env bash
# Runs a job script inside a cgroup-v2-only Linux guest under qemu (software emulation) and
# brings its results back. Usage: run-in-vm.sh [--init busybox|systemd] RESULTS_DIR JOB_SCRIPT [TIMEOUT_SECONDS]
# --init busybox (the default): the job runs chrooted into this host's / (read-only), in
# RESULTS_DIR (writable), from the initramfs's shell.
# --init systemd: the host tree's systemd boots as PID 1 on a writable root (an overlay over the
# read-only host tree, its upper layer on the scratch disk) and runs the job as
# agent-vm-job.service, in /vm-results; RESULTS_DIR also gets the journal, systemd-analyze and
# systemd-cgls (scripts/vm/agent-vm-run-job.sh).
# Either way the script exits with the job's status. Guest console: RESULTS_DIR/console.log; job
# output: RESULTS_DIR/job.log.
set -euo pipefail
usage="usage: run-in-vm.sh [--init busybox|systemd] RESULTS_DIR JOB_SCRIPT [TIMEOUT_SECONDS]"
init=busybox
if [ "${1:-}" = --init ]; then
  init=${2:?$usage}
  shift 2
fi
case "$init" in
  busybox | systemd) ;;
  *) echo "run-in-vm: --init $init is neither busybox nor systemd" >&2; exit 2 ;;
esac
results=${1:?$usage}
job=${2:?$usage}
limit=${3:-900}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "run-in-vm: qemu-system-x86_64 missing; run scripts/install-deps.sh test" >&2
  exit 1
fi
if [ "$init" = systemd ] && [ ! -x /lib/systemd/systemd ]; then
  echo "run-in-vm: --init systemd boots this host's /lib/systemd/systemd, which is missing; install systemd" >&2
  exit 1
fi
# Results of an earlier run must never be mistaken for this one's.
rm -rf "$results"
mkdir -p "$results"
results=$(cd "$results" && pwd)
cp "$job" "$results/job.sh"
kernel=$("$here/build-initramfs.sh" "$results")
# The guest's scratch disk (its TMPDIR, see guest-init.sh): sparse, gone after the run.
scratch="$results/scratch.ext4"
truncate -s 4G "$scratch"
mkfs.ext4 -q -F -O ^metadata_csum "$scratch"

memory=1536
cmdline="console=ttyS0 panic=-1 quiet systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all"
if [ "$init" = systemd ]; then
  # fstab=no: the host's fstab names the host's disks, and systemd would wait 90 s for each.
  memory=2048
  cmdline="$cmdline agent.init=systemd fstab=no systemd.unit=agent-vm.target systemd.show_status=0"
  cmdline="$cmdline systemd.journald.forward_to_console=1 systemd.firstboot=0 systemd.gpt_auto=0"
  # systemd-analyze blame and critical-chain beside the results: minutes under emulation.
  [ "${AGENT_VM_BOOT_DETAIL:-0}" = 1 ] && cmdline="$cmdline agent.boot_detail=1"
fi
echo "run-in-vm: booting $(basename "$kernel") under qemu (tcg), init $init, timeout ${limit}s" >&2
start=$(date +%s)
set +e
timeout --kill-after=10 "$limit" qemu-system-x86_64 \
  -accel tcg -cpu max -smp 2 -m "$memory" -nodefaults -no-reboot -display none \
  -serial "file:$results/console.log" \
  -kernel "$kernel" -initrd "$results/initramfs.cpio.gz" \
  -append "$cmdline" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$results,mount_tag=results,security_model=none" \
  -drive "file=$scratch,if=virtio,format=raw,cache=unsafe" </dev/null
qemu_status=$?
rm -f "$scratch"
set -e
echo "$(( $(date +%s) - start ))" >"$results/guest-seconds"
echo "run-in-vm: guest ran $(cat "$results/guest-seconds")s (qemu status $qemu_status)" >&2
if [ ! -s "$results/exit-code" ]; then
  echo "run-in-vm: the guest did not finish the job; last console lines:" >&2
  tail -n 30 "$results/console.log" >&2 || true
  exit 1
fi
status=$(cat "$results/exit-code")
if [ "$status" != 0 ]; then
  echo "run-in-vm: the job failed with status $status; its output:" >&2
  tail -n 30 "$results/job.log" >&2 || true
fi
exit "$status"
