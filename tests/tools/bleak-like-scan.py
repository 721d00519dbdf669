#!/usr/bin/python3
"""A second BlueZ client that scans the way bleak (Home Assistant's BlueZ
client) does: it reads the objects already there, starts its own discovery
and counts a device as found only when bluetoothd reports an advertisement
from it during that discovery -- InterfacesAdded, or a PropertiesChanged on
Device1 carrying RSSI (or ManufacturerData/ServiceData).

Usage: bleak-like-scan.py ADAPTER_PATH DEVICE_ADDRESS TIMEOUT_S
Prints "found PATH via SIGNAL rssi=N" and exits 0, or "timeout" and exits 1.
"""
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

adapter_path, address, timeout = sys.argv[1], sys.argv[2].upper(), float(sys.argv[3])
dev_path = adapter_path + "/dev_" + address.replace(":", "_")
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
loop = GLib.MainLoop()
result = {"rc": 1, "line": "timeout"}


def found(how, props):
    rssi = props.get("RSSI")
    result.update(rc=0, line="found %s via %s rssi=%s" % (dev_path, how, rssi))
    loop.quit()


def on_added(path, ifaces):
    if path == dev_path and "org.bluez.Device1" in ifaces:
        found("InterfacesAdded", ifaces["org.bluez.Device1"])


def on_changed(iface, changed, invalidated, path=None):
    if path == dev_path and iface == "org.bluez.Device1":
        if any(k in changed for k in ("RSSI", "ManufacturerData", "ServiceData")):
            found("PropertiesChanged", changed)


bus.add_signal_receiver(on_added, "InterfacesAdded", "org.freedesktop.DBus.ObjectManager",
                        "org.bluez")
bus.add_signal_receiver(on_changed, "PropertiesChanged", "org.freedesktop.DBus.Properties",
                        "org.bluez", path_keyword="path")
om = dbus.Interface(bus.get_object("org.bluez", "/"), "org.freedesktop.DBus.ObjectManager")
known = dev_path in om.GetManagedObjects()
adapter = dbus.Interface(bus.get_object("org.bluez", adapter_path), "org.bluez.Adapter1")
adapter.SetDiscoveryFilter({"Transport": "le"})
adapter.StartDiscovery()
GLib.timeout_add(int(timeout * 1000), loop.quit)
loop.run()
adapter.StopDiscovery()
print(result["line"], "(already known)" if known else "(new)")
sys.exit(result["rc"])
