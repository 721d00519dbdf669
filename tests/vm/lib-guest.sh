# Shared helpers for real-stack tests (tests/vm/tests/test-*.sh). They run
# INSIDE the VM as root, on the guest's system bus, with bluetoothd up and
# hci0/hci1 powered (see guest-run.sh). Source it first:
#
#   . "$VM_TOOLS/lib-guest.sh"
#
# It brings tests/lib.sh (check, assert_eq, spawn, wait_until, finish: one
# "N passed, N failed" line per test; processes through tests/lib-proc.sh)
# and tests/lib-bluez.sh (bluez_prop, enc), and adds what the real stack needs.
: "${VM_TOOLS:?run real-stack tests through tests/vm/run-vm.sh}"
# shellcheck source=../lib.sh
. "$SOURCE_DIR/tests/lib.sh"
CLIENT_BIN=${CLIENT_BIN:-$BUILD_DIR/tests/tools/bluez-test-client}
. "$SOURCE_DIR/tests/lib-bluez.sh"
set -o pipefail

# Fixed public addresses of btvirt's two controllers.
HCI0_ADDR=00:AA:01:00:00:00
HCI1_ADDR=00:AA:01:01:00:01
# BlueZ's own example peripherals need the distribution's Python.
PYTHON=/usr/bin/python3

# dev_path HCI ADDRESS: the Device1 object path of ADDRESS under adapter HCI.
dev_path() { echo "/org/bluez/$1/dev_${2//:/_}"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# bluez_pid: the process that owns org.bluez, asked of the bus: the bluetoothd
# the tests talk to, never another one found by name.
bluez_pid() {
	busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
		GetConnectionUnixProcessID s org.bluez | awk '{ print $2 }'
}

# timing WHAT MS: one line the host can grep ("timing: connect 312 ms").
timing() { printf 'timing: %s %s ms\n' "$1" "$2"; }
