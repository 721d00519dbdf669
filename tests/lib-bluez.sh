# shellcheck shell=bash
# org.bluez from the tests' side, for the simulator's tests (tests/lib-sim.sh)
# and the real-stack tests (tests/vm/lib-guest.sh) alike: one bluez_prop, one
# frame encoder, and the drivers' UUIDs as the built tools know them.
# Needs CLIENT_BIN (tests/tools/bluez-test-client) and BUILD_DIR.
set -o pipefail

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

# driver_uuid DRIVER service|write|notify|read: the driver's primary service,
# the characteristic it writes commands to, the one it subscribes to, or the
# first one it reads after connecting, as massagectl reports them (so from
# protocol/, never copied from its headers); "null" when it has none.
driver_uuid() {
	local member
	case $2 in
	service | write | notify) member=.$2 ;;
	read) member='.read[0]' ;;
	*) return 2 ;;
	esac
	"$BUILD_DIR/cli/massagectl" --json device list |
		jq -r --arg d "$1" ".drivers[] | select(.name == \$d) | $member"
}

# The read and notify characteristics the tests use, from driver_uuid.
REF_CAPS=$(driver_uuid reference read)
REF_STATUS=$(driver_uuid reference notify)
TG_NOTIFY=$(driver_uuid theragun notify)
LV_NOTIFY=$(driver_uuid lovense notify)

# bluez_prop_is PATH INTERFACE PROPERTY VALUE: it is VALUE ("b true") now (for wait_until).
bluez_prop_is() { [ "$(bluez_prop "$1" "$2" "$3")" = "$4" ]; }
