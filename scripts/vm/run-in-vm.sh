#!/usr/bin/env bash
# Runs a job script inside a cgroup-v2-only Linux guest under qemu (software emulation) and
# brings its results back. Usage: run-in-vm.sh RESULTS_DIR JOB_SCRIPT [TIMEOUT_SECONDS]
# The job runs chrooted into this host's / (read-only), in RESULTS_DIR (writable), and exits
# with the job's status. Guest console: RESULTS_DIR/console.log; job output: RESULTS_DIR/job.log.
set -euo pipefail
results=${1:?usage: run-in-vm.sh RESULTS_DIR JOB_SCRIPT [TIMEOUT_SECONDS]}
job=${2:?usage: run-in-vm.sh RESULTS_DIR JOB_SCRIPT [TIMEOUT_SECONDS]}
limit=${3:-900}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "run-in-vm: qemu-system-x86_64 missing; run scripts/install-deps.sh test" >&2
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

echo "run-in-vm: booting $(basename "$kernel") under qemu (tcg), timeout ${limit}s" >&2
start=$(date +%s)
set +e
timeout --kill-after=10 "$limit" qemu-system-x86_64 \
  -accel tcg -cpu max -smp 2 -m 1536 -nodefaults -no-reboot -display none \
  -serial "file:$results/console.log" \
  -kernel "$kernel" -initrd "$results/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$results,mount_tag=results,security_model=none" \
  -drive "file=$scratch,if=virtio,format=raw,cache=unsafe" </dev/null
qemu_status=$?
rm -f "$scratch"
set -e
echo "run-in-vm: guest ran $(( $(date +%s) - start ))s (qemu status $qemu_status)" >&2
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
