# A private D-Bus bus configured like the system bus (default deny) with the
# project's own policy files, and the calling user standing in for the service
# users: owning org.bluez (the simulator) and org.massaged*, calling both.
# Sourced by sim/demo.sh and tests/lib.sh (bash).
#
#   private_bus_conf DIR SOURCE_DIR [EXTRA_POLICY_XML] > DIR/bus.conf
#   start_private_bus NAME DIR SOURCE_DIR [EXTRA_POLICY_XML]
#       writes DIR/bus.conf, spawns dbus-daemon on it as NAME
#       (tests/lib-proc.sh, sourced first) and waits for its address, which
#       lands in PRIVATE_BUS_ADDRESS; on failure prints its log, returns 1
#
# The bus listens on DIR/bus.socket.
private_bus_conf() {
	local dir=$1 src=$2 extra=${3:-} user includes="" f
	user=$(id -un)
	for f in "$src"/systemd/org.massaged.conf "$src"/systemd/massaged-bluez.conf; do
		[ -f "$f" ] && includes+="  <include>$f</include>"$'\n'
	done
	cat <<-XML
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$dir/bus.socket</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <deny own="*"/>
	    <deny send_type="method_call"/>
	    <allow send_type="signal"/>
	    <allow send_requested_reply="true" send_type="method_return"/>
	    <allow send_requested_reply="true" send_type="error"/>
	    <allow receive_type="method_call"/>
	    <allow receive_type="method_return"/>
	    <allow receive_type="error"/>
	    <allow receive_type="signal"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
	  </policy>
	$includes
	  <!-- This user stands in for the service users. -->
	  <policy user="$user">
	    <allow own="org.bluez"/>
	    <allow send_destination="org.bluez"/>
	    <allow own="org.massaged"/>
	    <allow send_destination="org.massaged"/>
	    <allow own_prefix="org.massaged"/>
	    <allow send_destination="org.massaged.Sim"/>
	  </policy>
	$extra
	</busconfig>
	XML
}

start_private_bus() {
	local name=$1 dir=$2
	private_bus_conf "$dir" "$3" "${4:-}" >"$dir/bus.conf"
	rm -f "$dir/bus.address"
	spawn "$name" dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --print-address=3 \
		3>"$dir/bus.address"
	if ! wait_until 5 test -s "$dir/bus.address"; then
		printf '# dbus-daemon (%s) did not start; its log:\n' "$name" >&2
		cat "$PROC_LOGDIR/$name.log" >&2
		return 1
	fi
	PRIVATE_BUS_ADDRESS=$(head -n1 "$dir/bus.address")
}
