#!/usr/bin/env bash
# g. memory after huge calls: massaged's RSS idle, then after twenty D-Bus
#    calls carrying 1-10 MB strings (GetProgramme with a huge id,
#    ValidateProgramme and ImportProgramme with huge texts, all refused), and
#    again 2 s later. Issue 17 saw 6.8 MB grow to 70 MB and stay there;
#    daemon/memory-trim.c gives the memory back.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
start_bus
start_massaged || exit 1
pid=${SPAWNED[massaged]}
rss() { awk '/VmRSS/ { print $2 }' /proc/"$pid"/status; }
hwm() { awk '/VmHWM/ { print $2 }' /proc/"$pid"/status; }
sleep 1
before=$(rss)
"$PY" - <<-'PY' || exit 1
	import dbus
	bus = dbus.SystemBus()
	mgr = dbus.Interface(bus.get_object("org.massaged", "/org/massaged"), "org.massaged.Manager1")
	for mb in range(1, 11):
	    s = "x" * (mb * 1000 * 1000)
	    for call in (mgr.GetProgramme, mgr.ValidateProgramme, mgr.ImportProgramme):
	        try:
	            call(s)
	        except dbus.exceptions.DBusException:
	            pass
	PY
after=$(rss)
sleep 2
later=$(rss)
echo "g. memory: RSS of an idle massaged around 30 calls with 1-10 MB strings"
figure "RSS before (kB)" "$before"
figure "RSS just after (kB)" "$after"
figure "RSS 2 s later (kB)" "$later"
figure "peak RSS (kB)" "$(hwm)"
