#!/bin/sh
# ExecStart of agent-vm-job.service in the systemd guest (guest-systemd.sh installs it): runs the
# results share's job.sh, then leaves what the boot looked like beside job.log. exit-code is
# written last, so run-in-vm.sh never reads a finished status with half the results.
cd /vm-results || exit 1
# Seconds since the kernel started, as the job begins: the boot time under TCG.
cut -d' ' -f1 /proc/uptime >job-start-uptime
# Side by side, each bounded: under TCG on a loaded host `systemd-analyze blame` (one D-Bus
# GetAll per unit) took 4-5 minutes, and a report that hangs must not keep the guest from
# writing exit-code.
report() {
  out=$1
  shift
  timeout 420 "$@" >"$out" 2>&1 || echo "agent-vm-job: '$*' ended with status $?" >>"$out"
}
# The boot's reports run beside the job, once the boot's job queue is empty (this unit is
# Type=exec, so that is a moment after it started).
(
  timeout 300 systemctl is-system-running --wait >/dev/null 2>&1
  report systemd-analyze.txt systemd-analyze &
  report systemd-analyze-blame.txt systemd-analyze blame --no-pager &
  report systemd-analyze-critical-chain.txt systemd-analyze critical-chain --no-pager agent-vm.target &
  wait
) &
# TMPDIR on the overlay's upper layer, i.e. the ext4 scratch disk.
mkdir -p /var/tmp/vm
TMPDIR=/var/tmp/vm sh ./job.sh >job.log 2>&1
status=$?
report failed-units.txt systemctl list-units --failed --no-pager &
report systemd-cgls.txt systemd-cgls --no-pager &
report agentd-status.txt systemctl status --no-pager agentd &
report journal.txt journalctl -b -o short-monotonic --no-pager &
wait
echo "$status" >exit-code
sync
echo "agent-vm-job: job finished with status $status"
