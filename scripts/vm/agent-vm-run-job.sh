#!/bin/sh
# ExecStart of agent-vm-job.service in the systemd guest (guest-systemd.sh installs it): runs the
# results share's job.sh, then leaves what the boot looked like beside job.log. exit-code is
# written last, so run-in-vm.sh never reads a finished status with half the results.
cd /vm-results || exit 1
# Seconds since the kernel started, as the job begins: the boot time under TCG.
cut -d' ' -f1 /proc/uptime >job-start-uptime
# TMPDIR on the overlay's upper layer, i.e. the ext4 scratch disk.
mkdir -p /var/tmp/vm
TMPDIR=/var/tmp/vm sh ./job.sh >job.log 2>&1
status=$?
# Side by side after the job, each bounded. Under TCG on a loaded host `systemd-analyze blame`
# (one D-Bus GetAll per unit) takes 4-5 minutes and keeps PID 1 so busy that run beside the
# job it made a transient scope take over 20 s to appear; and a report that hangs must not
# keep the guest from writing exit-code.
report() {
  out=$1
  shift
  timeout 420 "$@" >"$out" 2>&1 || echo "agent-vm-job: '$*' ended with status $?" >>"$out"
}
report systemd-analyze.txt systemd-analyze &
# blame and critical-chain (one D-Bus call per unit) only when asked: they cost the tier
# minutes. `AGENT_VM_BOOT_DETAIL=1 scripts/vm/run-in-vm.sh --init systemd ...` asks.
if grep -q 'agent.boot_detail=1' /proc/cmdline; then
  report systemd-analyze-blame.txt systemd-analyze blame --no-pager &
  report systemd-analyze-critical-chain.txt systemd-analyze critical-chain --no-pager agent-vm.target &
fi
report failed-units.txt systemctl list-units --failed --no-pager &
report systemd-cgls.txt systemd-cgls --no-pager &
report agentd-status.txt systemctl status --no-pager agentd &
report journal.txt journalctl -b -o short-monotonic --no-pager &
wait
echo "$status" >exit-code
sync
echo "agent-vm-job: job finished with status $status"
