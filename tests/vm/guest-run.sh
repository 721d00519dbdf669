#!/bin/bash
# Stage 2 of the real-stack VM: PID 1 inside the guest, on the overlay root.
#
# Brings up the Bluetooth stack the way a machine does (kernel modules, a
# system dbus-daemon with the project's policy files, two virtual LE
# controllers from btvirt, bluetoothd), powers both adapters on, runs every
# tests/vm/tests/test-*.sh (or the ones the host chose), writes the results to
# the results share, stops everything it started and powers off.
#
# The host passes its settings in $VM_RESULTS/env.sh (see run-vm.sh).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
# /tmp stays on the overlay: the host's results share is mounted under it.
hostname massaged-vm

# PID 1 must never just exit (a kernel panic): power off whatever happens.
trap 'sync; echo o >/proc/sysrq-trigger' EXIT

results=$(sed -n 's/.*vm\.results=\([^ ]*\).*/\1/p' /proc/cmdline)
# shellcheck source=/dev/null
. "$results/env.sh"
: "${VM_RESULTS:?}" "${VM_TOOLS:?}" "${VM_TESTS:?}" "${SOURCE_DIR:?}" "${BUILD_DIR:?}"
export VM_RESULTS VM_TOOLS SOURCE_DIR BUILD_DIR
[ "${VM_KEEP:-0}" = 1 ] && export KEEP_TMP=1
logdir=$VM_RESULTS/logs
mkdir -p "$logdir"
# The tests' process library (bash, like this script; only stage 1 in the
# initramfs is busybox sh): spawn, wait_until, stop_all_spawned, by PID.
. "$SOURCE_DIR/tests/lib-proc.sh"
PROC_LOGDIR=$logdir

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 10
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say() { printf 'vm: %s\n' "$*"; }
fatal() {
	say "FATAL: $*"
	echo "setup-failed" >"$VM_RESULTS/status"
	stop_stack
	poweroff_now
}

# The stack's services are spawn()ed (logs/NAME.log); stop_stack [NAMES...]
# stops the named ones, or every one newest first.
stop_stack() { stop_all_spawned "$@"; }
adapter_powered() {
	busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Powered | grep -qx 'b true'
}

say "kernel up at $(uptime_s) s"

# Read the stack's programs once: their pages then come from the guest's page
# cache (9p cache=loose) instead of 9p round trips while the kernel waits on
# btvirt with a 2 s HCI command timeout.
cat /usr/bin/btvirt /usr/libexec/bluetooth/bluetoothd /usr/bin/dbus-daemon /usr/bin/busctl \
	$(ldd /usr/bin/btvirt /usr/libexec/bluetooth/bluetoothd | awk '$3 ~ /^\// { print $3 }' | sort -u) >/dev/null

# --- kernel Bluetooth ---
modprobe bluetooth || fatal "modprobe bluetooth"
modprobe hci_vhci || fatal "modprobe hci_vhci"
# What the kernel's SMP and bluetoothd would otherwise load on demand while a
# controller is being set up (cmac, ecb; AF_ALG for bluetoothd): a modprobe
# spawned from there, under TCG over 9p, outlasts the 2 s HCI command timeout.
modprobe -a cmac ecb af_alg algif_hash algif_skcipher || say "warning: crypto modules missing"

# --- system bus, with the project's policy files installed first ---
# The stock system.conf includes /etc/dbus-1/system.d, where bluez's own
# bluetooth.conf already is; our files go next to it, as a package would put them.
mkdir -p /etc/dbus-1/system.d /run/dbus
for f in $VM_POLICY; do
	cp "$f" /etc/dbus-1/system.d/ || fatal "cannot install policy $f"
	say "installed D-Bus policy $(basename "$f")"
done
spawn dbus dbus-daemon --system --nofork --nopidfile
wait_until 10 test -S /run/dbus/system_bus_socket || fatal "dbus-daemon did not start (logs/dbus.log)"

# --- bluetoothd's main.conf ---
mkdir -p /etc/bluetooth /var/lib/bluetooth
if [ "${VM_EATT:-0}" = 1 ]; then
	# Enhanced ATT as bluetoothd negotiates it by default between two BlueZ ends.
	printf '[GATT]\nChannels = 3\n' >/etc/bluetooth/main.conf
else
	# One plain ATT bearer, like most real massage devices: frames in order.
	printf '[GATT]\nChannels = 1\n' >/etc/bluetooth/main.conf
fi
bt_args=(-n -f /etc/bluetooth/main.conf)
[ "${VM_BT_DEBUG:-0}" = 1 ] && bt_args+=(-d)

both_adapters() {
	busctl --system --auto-start=no get-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Address &&
		busctl --system --auto-start=no get-property org.bluez /org/bluez/hci1 org.bluez.Adapter1 Address
}
# A controller whose HCI Reset times out (the kernel waits 2 s of guest time;
# on a loaded host btvirt may not be scheduled in time) never reaches
# bluetoothd. The kernel does not retry, so the harness does: new btvirt,
# new bluetoothd.
hci_init_failed() { dmesg | grep 'hci[01]: Opcode .* failed' >/dev/null; }
stack_up() {
	dmesg -C
	# Two LE-only controllers in one process: they only hear each other inside one btvirt.
	spawn btvirt btvirt -L -l2
	wait_until 10 test -e /sys/class/bluetooth/hci1 || return 1
	spawn bluetoothd /usr/libexec/bluetooth/bluetoothd "${bt_args[@]}"
	local deadline=$((SECONDS + 30))
	until both_adapters >/dev/null 2>&1; do
		hci_init_failed && return 1
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}
# btmon first, so it records the controllers' setup too.
if [ "${VM_BTMON:-0}" = 1 ]; then
	spawn btmon btmon -w "$logdir/hci.btsnoop"
fi
attempt=1
until stack_up; do
	say "attempt $attempt: controllers did not come up ($(dmesg | grep -o 'hci[01]: Opcode.*' | head -1)); restarting btvirt and bluetoothd"
	stop_stack bluetoothd btvirt
	sleep 0.5
	attempt=$((attempt + 1))
	[ $attempt -le 3 ] || fatal "bluetoothd has no hci0/hci1 after 3 attempts (logs/btvirt.log, logs/bluetoothd.log)"
done
# power_on: both adapters on; says which one failed and returns 1.
power_on() {
	local hci
	for hci in hci0 hci1; do
		busctl --system set-property org.bluez "/org/bluez/$hci" org.bluez.Adapter1 Powered b true ||
			{ say "cannot power $hci on"; return 1; }
	done
	for hci in hci0 hci1; do
		wait_until 10 adapter_powered "$hci" || { say "$hci did not power on"; return 1; }
	done
}
power_on || fatal "adapters not powered"
ready=$(uptime_s)
cat /proc/modules >"$logdir/modules.txt"
say "bluetoothd ready, hci0 and hci1 powered at $ready s (EATT: ${VM_EATT:-0})"
echo "$ready" >"$VM_RESULTS/ready-uptime"

# Between tests: each starts from the same stack. A test that killed
# bluetoothd and did not bring it back gets a new one; every remote device is
# forgotten on both adapters (RemoveDevice also drops a link a test left up,
# which the next test's central would otherwise find already connected, to a
# peripheral that is no longer there); both adapters are powered.
bluez_on_bus() {
	busctl --system call org.freedesktop.DBus / org.freedesktop.DBus NameHasOwner s org.bluez 2>/dev/null |
		grep -qx 'b true'
}
reset_stack() {
	local hci dev
	if ! bluez_on_bus; then
		say "bluetoothd is gone after the last test: starting it again"
		spawn bluetoothd-again /usr/libexec/bluetooth/bluetoothd "${bt_args[@]}"
		wait_until 20 both_adapters >/dev/null || say "warning: the new bluetoothd has no hci0/hci1"
	fi
	for hci in hci0 hci1; do
		for dev in $(busctl --system --list tree org.bluez 2>/dev/null | grep -E "^/org/bluez/$hci/dev_[0-9A-F_]+$"); do
			busctl --system call org.bluez "/org/bluez/$hci" org.bluez.Adapter1 RemoveDevice o "$dev" ||
				say "warning: RemoveDevice $dev failed"
		done
	done
	power_on || say "warning: the next test starts with an adapter off"
}

# --- the tests, one at a time, each under its own watchdog ---
passed=0
failed=0
failed_names=()
for t in $VM_TESTS; do
	name=$(basename "${t%.sh}")
	reset_stack
	say "=== $name"
	t0=$(date +%s%N)
	timeout -k 5 "${VM_TEST_TIMEOUT:-240}" bash "$t" 2>&1 | tee "$logdir/$name.out"
	rc=${PIPESTATUS[0]}
	ms=$((($(date +%s%N) - t0) / 1000000))
	# A test keeps its temporary directory when a check failed (or with
	# --keep); the guest's /tmp dies with it, so bring it to the results.
	for kept in /tmp/massaged-"$name".*; do
		[ -d "$kept" ] && cp -r "$kept" "$logdir/$name.tmp" 2>/dev/null
	done
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		say "PASS $name (${ms} ms)"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		[ "$rc" = 124 ] && say "TIMEOUT $name after ${VM_TEST_TIMEOUT:-240} s"
		say "FAIL $name (exit $rc, ${ms} ms)"
	fi
done

stop_stack
say "stack stopped at $(uptime_s) s"
{
	echo "passed=$passed"
	echo "failed=$failed"
	echo "failed_names='${failed_names[*]}'"
} >"$VM_RESULTS/summary"
echo done >"$VM_RESULTS/status"
poweroff_now
