#!/usr/bin/env bash
# run-vm.sh: the real-stack test tier. Boots ONE QEMU VM with Debian's kernel
# on the host's root file system, brings up a real kernel Bluetooth stack and
# bluetoothd inside (see guest-run.sh), runs the tests in tests/vm/tests/ and
# brings their output and exit status back.
#
#   run-vm.sh [options] [TEST...]     TEST: a name (test-adapters) or a path
#     --eatt            bluetoothd with Enhanced ATT (default: [GATT] Channels = 1)
#     --btmon           record HCI traffic to <results>/logs/hci.btsnoop
#     --bt-debug        bluetoothd -d (logs/bluetoothd.log)
#     --policy FILE     a D-Bus policy file to install before dbus starts
#                       (repeatable; default: see below)
#     --timeout S       watchdog for the whole VM (default: 120 s for the boot
#                       + the per-test watchdog for each test, at most 1500 s)
#     --test-timeout S  watchdog for each test (default 240)
#     --keep            keep the results directory even when everything passed,
#                       and every test's temporary directory in it (logs/NAME.tmp)
#     --cache DIR       where vmlinux and the initramfs are kept ($BUILD_DIR/vm-cache)
#
# Environment: BUILD_DIR, SOURCE_DIR (as for the integration tests; guessed
# from this script's place when unset); VM_QEMU, VM_KERNEL_RELEASE to choose
# another qemu binary or kernel (/boot/vmlinuz-<release>). Exit status: 0 all passed, 1 a test
# failed or the VM broke, 77 the VM cannot start on this machine (a skip).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SOURCE_DIR=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
SKIP=77

eatt=0 btmon=0 bt_debug=0 keep=0 timeout= test_timeout=240
cache=$BUILD_DIR/vm-cache
policies=()
tests=()
while [ $# -gt 0 ]; do
	case $1 in
	--eatt) eatt=1 ;;
	--btmon) btmon=1 ;;
	--bt-debug) bt_debug=1 ;;
	--keep) keep=1 ;;
	--policy) policies+=("$(realpath "$2")"); shift ;;
	--timeout) timeout=$2; shift ;;
	--test-timeout) test_timeout=$2; shift ;;
	--cache) cache=$2; shift ;;
	-h | --help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run-vm.sh: unknown option $1" >&2; exit 2 ;;
	*) tests+=("$1") ;;
	esac
	shift
done

skip() {
	cat >&2 <<-MSG
	################################################################
	## REAL-STACK TIER SKIPPED: the VM cannot start on this machine.
	## $*
	## Install the packages with ./dev deps (vm_pkgs) to run it.
	################################################################
	MSG
	exit $SKIP
}

# --- can the VM start here at all? ---
qemu=${VM_QEMU:-$(command -v qemu-system-x86_64 || true)}
[ -n "$qemu" ] && [ -x "$qemu" ] || skip "qemu-system-x86_64 not found (package qemu-system-x86)"
for tool in btvirt:bluez-test-tools dbus-daemon:dbus-daemon busctl:systemd; do
	command -v "${tool%%:*}" >/dev/null || skip "${tool%%:*} not found (package ${tool#*:})"
done
[ -x /usr/libexec/bluetooth/bluetoothd ] || skip "bluetoothd not found (package bluez)"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dbus, gi' 2>/dev/null ||
	skip "/usr/bin/python3 with dbus and gi not found (packages python3-dbus python3-gi)"
boot_files=$("$here/prepare-boot.sh" "$cache" ${VM_KERNEL_RELEASE:+"$VM_KERNEL_RELEASE"}) || {
	rc=$?
	[ $rc = 77 ] && skip "no bootable kernel image or initramfs (see above)"
	echo "run-vm.sh: prepare-boot.sh failed ($rc)" >&2
	exit 1
}
vmlinux=$(sed -n 1p <<<"$boot_files")
initramfs=$(sed -n 2p <<<"$boot_files")

# KVM only where it really works: /dev/kvm on these machines is a nested PVM
# that aborts with -cpu host; kvm_intel/kvm_amd loaded means real hardware
# virtualisation.
accel=(-accel tcg -cpu max)
if [ -w /dev/kvm ] && grep -qE '^kvm_(intel|amd) ' /proc/modules 2>/dev/null; then
	accel=(-accel kvm -cpu host)
fi

# --- which tests, which policy files ---
if [ ${#tests[@]} = 0 ]; then
	tests=("$here"/tests/test-*.sh)
fi
resolved=()
for t in "${tests[@]}"; do
	case $t in
	*/*) resolved+=("$(realpath "$t")") ;;
	*) resolved+=("$here/tests/${t%.sh}.sh") ;;
	esac
	[ -f "${resolved[-1]}" ] || { echo "run-vm.sh: no such test: $t" >&2; exit 2; }
done
if [ -z "$timeout" ]; then
	timeout=$((120 + test_timeout * ${#resolved[@]}))
	[ "$timeout" -le 1500 ] || timeout=1500
fi
if [ ${#policies[@]} = 0 ]; then
	# Until the daemon can run as its service user in the VM, root stands in
	# for it: a test policy that lets root own org.massaged*.
	policies=("$here/dbus/massaged-vm-test.conf")
fi

results=$(mktemp -d /tmp/massaged-vm.XXXXXX)
chmod 755 "$results"
cleanup() {
	if [ "$keep" = 1 ] || [ "${status:-fail}" != pass ]; then
		echo "run-vm.sh: results and logs kept in $results" >&2
	else
		rm -rf "$results"
	fi
}
trap cleanup EXIT
q() { printf '%q' "$1"; }
cat >"$results/env.sh" <<-ENV
VM_RESULTS=$(q "$results")
VM_TOOLS=$(q "$here")
VM_TESTS=$(q "${resolved[*]}")
VM_POLICY=$(q "${policies[*]}")
VM_EATT=$eatt
VM_BTMON=$btmon
VM_BT_DEBUG=$bt_debug
VM_TEST_TIMEOUT=$test_timeout
VM_KEEP=$keep
SOURCE_DIR=$(q "$SOURCE_DIR")
BUILD_DIR=$(q "$BUILD_DIR")
ENV
# The sanitizer and GLib settings ./dev test uses reach the tests inside too.
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS G_SLICE G_DEBUG; do
	[ -n "${!v+x}" ] && echo "export $v=$(q "${!v}")" >>"$results/env.sh"
done

echo "run-vm.sh: booting $(basename "$vmlinux") (${accel[*]}), ${#resolved[@]} test(s), results in $results"
t0=$(date +%s%N)
# The serial console is the guest's stdout: test output streams through.
timeout -k 5 "$timeout" "$qemu" \
	"${accel[@]}" -m 1024 -smp 2 -nodefaults -display none -no-reboot \
	-kernel "$vmlinux" -initrd "$initramfs" \
	-append "console=ttyS0 cryptomgr.notests mitigations=off panic=-1 quiet vm.stage2=$here/guest-run.sh vm.results=$results" \
	-serial stdio \
	-fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=results,path="$results",security_model=none \
	-device virtio-9p-pci,fsdev=results,mount_tag=results \
	</dev/null 2>"$results/qemu.stderr" | sed -u 's/\r$//' | tee "$results/console.log"
qemu_rc=${PIPESTATUS[0]}
total_ms=$((($(date +%s%N) - t0) / 1000000))

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run-vm.sh: FAIL: the VM did not finish within ${timeout} s (watchdog); killed" >&2
	exit 1
fi
if [ "$(cat "$results/status" 2>/dev/null)" != done ]; then
	echo "run-vm.sh: FAIL: the VM ended without results (qemu exit $qemu_rc, status: $(cat "$results/status" 2>/dev/null || echo none))" >&2
	cat "$results/qemu.stderr" >&2
	if grep -q 'failed to set MSR\|Could not access KVM' "$results/qemu.stderr"; then
		skip "qemu could not start with ${accel[*]}"
	fi
	exit 1
fi
# shellcheck source=/dev/null
. "$results/summary"
printf 'run-vm.sh: timing: VM start -> whole tier %d.%03d s; kernel start -> bluetoothd ready %s s\n' \
	$((total_ms / 1000)) $((total_ms % 1000)) "$(cat "$results/ready-uptime")"
[ "$failed" = 0 ] || echo "run-vm.sh: failed: $failed_names (logs in $results/logs)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ] && status=pass
[ "${status:-}" = pass ]
