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
# The tests' process library: every process is started by spawn (its output in
# $tmp/NAME.log) and stopped on exit by the PID it got.
BUILD_DIR=$build
. "$top/tests/lib-proc.sh"
. "$top/tests/lib-massaged.sh"
PROC_LOGDIR=$tmp
cleanup() {
	stop_all_spawned
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for_name() {
	wait_until 10 has_name "$1" && return 0
	echo "demo: $1 did not appear on the bus" >&2
	return 1
}

# A bus like the system bus (default deny) with our own policy files, and this
# user standing in for the service users.
. "$top/sim/private-bus.sh"
start_private_bus bus "$tmp" "$top" || exit 1
export DBUS_SYSTEM_BUS_ADDRESS=$PRIVATE_BUS_ADDRESS

say "A simulated Theragun on a fake bluetoothd (massage-sim)"
spawn sim "$build/sim/massage-sim" --device "theragun,name=Theragun PRO,address=C0:FF:EE:00:00:01" \
	--log "$tmp/device.log"
wait_for_name org.bluez

say "massaged, programmes played ${scale}x faster for the demo"
msd_layout "$tmp"
MSD_DATA=$top/data
start_massaged --quiet --time-scale "$scale"

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
