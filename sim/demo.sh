#!/usr/bin/env bash
# ./dev demo: a hamstring programme on a simulated percussion device, end to end
# through the real binaries: a private D-Bus system bus with the project's own
# policy, massage-sim owning org.bluez, massaged, and massagectl.
#
#   sim/demo.sh BUILD_DIR [--programme ID] [--time-scale N] [--mqtt]
#
# --mqtt: the same through massaged-mqtt and a private mosquitto broker, as a
# home hub sees it: Home Assistant discovery, a start over MQTT, the events.
#
# Leaves no process behind: everything it starts is stopped on exit.
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
shift
top=$(cd "$(dirname "$0")/.." && pwd)
programme=demo-hamstring
scale=2
mqtt=0
while [ $# -gt 0 ]; do
	case $1 in
	--programme) programme=$2; shift 2 ;;
	--time-scale) scale=$2; shift 2 ;;
	--mqtt) mqtt=1; shift ;;
	*) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

tmp=$(mktemp -d /tmp/massaged-demo.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for_name() {
	local i
	for i in $(seq 100); do
		busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
			NameHasOwner s "$1" 2>/dev/null | grep -q true && return 0
		sleep 0.1
	done
	echo "demo: $1 did not appear on the bus" >&2
	return 1
}

# A bus like the system bus (default deny) with our own policy files, and this
# user standing in for the service users.
. "$top/sim/private-bus.sh"
private_bus_conf "$tmp" "$top" >"$tmp/bus.conf"
dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --print-address=3 \
	3>"$tmp/bus.address" 2>"$tmp/bus.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/bus.address" ] && break; sleep 0.1; done
DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$tmp/bus.address")
export DBUS_SYSTEM_BUS_ADDRESS

say "A simulated Theragun on a fake bluetoothd (massage-sim)"
"$build/sim/massage-sim" --device "theragun,name=Theragun PRO,address=C0:FF:EE:00:00:01" \
	--log "$tmp/device.log" 2>"$tmp/sim.log" &
pids+=($!)
wait_for_name org.bluez

say "massaged, programmes played ${scale}x faster for the demo"
: >"$tmp/massaged.conf"
mkdir -p "$tmp/state"
"$build/daemon/massaged" --config "$tmp/massaged.conf" --data-dir "$top/data" \
	--state-dir "$tmp/state" --time-scale "$scale" 2>"$tmp/massaged.log" &
pids+=($!)
wait_for_name org.massaged

ctl() {
	printf '$ massagectl %s\n' "$*"
	"$build/cli/massagectl" --data-dir "$top/data" "$@"
}
say "Find the device"
ctl scan --timeout 2
say "Connect it"
ctl connect Theragun
say "The programme"
ctl programme plot "$programme"
if [ $mqtt = 1 ]; then
	. "$top/sim/demo-mqtt.sh"
else
	say "Play it"
	ctl start "$programme" --follow
fi
say "What the device received"
frames=$(grep -c '"hex"' "$tmp/device.log" || true)
last=$(grep '"hex"' "$tmp/device.log" | tail -n1)
echo "$frames frames reached the simulated device; the last one:"
echo "  $last"
case $last in
*'"cmd":"stop"'* | *'"value":0'*) echo "The device was stopped at the end." ;;
*)
	echo "demo: the last frame was not a stop" >&2
	exit 1
	;;
esac
ctl disconnect Theragun
say "Done"
