# shellcheck shell=bash
# org.bluez from the tests' side, for the simulator's tests (tests/lib-sim.sh)
# and the real-stack tests (tests/vm/lib-guest.sh) alike: one bluez_prop, one
# frame encoder, and the drivers' UUIDs as the built tools know them.
# Needs CLIENT_BIN (tests/tools/bluez-test-client) and BUILD_DIR.
set -o pipefail

# No built tool prints the drivers' read and notify characteristics yet
# (massagectl device list --json names the service, device encode the write
# characteristic: use driver_uuid for those). Until one does, these are
# written out here and nowhere else in the shell.
REF_CAPS=e9150002-8561-4594-b206-6dd46f942e75
REF_STATUS=e9150004-8561-4594-b206-6dd46f942e75
TG_NOTIFY=0000ffe1-0000-1000-8000-00805f9b34fb
LV_NOTIFY=6e400003-b5a3-f393-e0a9-e50e24dcca9e

# bluez_prop PATH INTERFACE PROPERTY: a property as busctl prints it ("b true");
# INTERFACE without its org.bluez. prefix (Device1, GattCharacteristic1). On an
# error, busctl's message instead (on stdout, so a comparison shows it) and a
# non-zero status.
bluez_prop() {
	busctl --system get-property org.bluez "$1" "org.bluez.$2" "$3" 2>&1
}

# bluez_call PATH INTERFACE METHOD SIGNATURE ARGS...: prints the reply or the error.
bluez_call() {
	local path=$1 iface=$2
	shift 2
	busctl --system call org.bluez "$path" "org.bluez.$iface" "$@" 2>&1
}

# bluez_paths: every object path under /org/bluez, sorted.
bluez_paths() { busctl --system --list tree org.bluez 2>/dev/null | sort; }

# enc DRIVER COMMAND [VALUE] [SEQ]: the driver's (first) frame for the
# command, hex bytes separated by spaces, from the drivers themselves.
enc() {
	"$CLIENT_BIN" encode "$@" | awk '/^frame / && !n++ { sub(/^frame /, ""); print }'
}

# driver_uuid DRIVER service|write: the driver's primary service or the
# characteristic it writes commands to, as massagectl reports them (so from
# protocol/, never copied from its headers).
driver_uuid() {
	case $2 in
	service)
		"$BUILD_DIR/cli/massagectl" --json device list |
			jq -r --arg d "$1" '.drivers[] | select(.name == $d) | .service'
		;;
	write)
		"$BUILD_DIR/cli/massagectl" --json device encode "$1" stop | jq -r .characteristic
		;;
	*) return 2 ;;
	esac
}

# bluez_prop_is PATH INTERFACE PROPERTY VALUE: it is VALUE ("b true") now (for wait_until).
bluez_prop_is() { [ "$(bluez_prop "$1" "$2" "$3")" = "$4" ]; }
