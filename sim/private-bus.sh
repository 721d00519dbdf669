# A private D-Bus bus configured like the system bus (default deny) with the
# project's own policy files, and the calling user standing in for the service
# users: owning org.bluez (the simulator) and org.massaged*, calling both.
# Sourced by sim/demo.sh and tests/lib.sh (bash).
#
#   private_bus_conf DIR SOURCE_DIR [EXTRA_POLICY_XML] > DIR/bus.conf
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
