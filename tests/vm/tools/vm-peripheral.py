#!/usr/bin/python3
"""A tiny GATT peripheral for the real-stack harness self-test.

Registers one primary service with one characteristic (read, write,
write-without-response, notify) on the given adapter through
org.bluez.GattManager1, and advertises the service through TWO identical
org.bluez.LEAdvertisingManager1 advertisements: the kernel then rotates them
every ~2 s, and every rotation re-sends btvirt's advertising report, so a
central that starts scanning a moment later still finds us within ~2 s
(with one advertisement a missed report costs a 10.24 s discovery cycle).

Prints "ready" once bluetoothd accepted the application and both
advertisements, and one line "write <hex>" for every value written to the
characteristic (in arrival order). Runs until SIGTERM/SIGINT.
Must run with the distribution's /usr/bin/python3 (python3-dbus, python3-gi).
"""
import argparse
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ = "org.bluez"
PROPS = "org.freedesktop.DBus.Properties"
OM = "org.freedesktop.DBus.ObjectManager"
GATT_SERVICE = "org.bluez.GattService1"
GATT_CHRC = "org.bluez.GattCharacteristic1"
ADV = "org.bluez.LEAdvertisement1"


def out(*words):
    print(*words, flush=True)


class Characteristic(dbus.service.Object):
    def __init__(self, bus, path, service_path, uuid, value):
        super().__init__(bus, path)
        self.path = path
        self.service_path = service_path
        self.uuid = uuid
        self.value = bytearray(value)
        self.notifying = False

    def props(self):
        return {
            GATT_CHRC: {
                "Service": dbus.ObjectPath(self.service_path),
                "UUID": self.uuid,
                "Flags": dbus.Array(["read", "write", "write-without-response", "notify"],
                                    signature="s"),
            }
        }

    @dbus.service.method(GATT_CHRC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        return dbus.Array(self.value, signature="y")

    @dbus.service.method(GATT_CHRC, in_signature="aya{sv}")
    def WriteValue(self, value, options):
        self.value = bytearray(value)
        out("write", self.value.hex())
        if self.notifying:
            self.PropertiesChanged(GATT_CHRC, {"Value": dbus.Array(self.value, signature="y")}, [])

    @dbus.service.method(GATT_CHRC)
    def StartNotify(self):
        self.notifying = True
        out("notify on")

    @dbus.service.method(GATT_CHRC)
    def StopNotify(self):
        self.notifying = False
        out("notify off")

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass


class Service(dbus.service.Object):
    def __init__(self, bus, path, uuid):
        super().__init__(bus, path)
        self.path = path
        self.uuid = uuid

    def props(self):
        return {GATT_SERVICE: {"UUID": self.uuid, "Primary": True}}


class Application(dbus.service.Object):
    def __init__(self, bus, path, objects):
        super().__init__(bus, path)
        self.objects = objects

    @dbus.service.method(OM, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {dbus.ObjectPath(o.path): o.props() for o in self.objects}


class Advertisement(dbus.service.Object):
    def __init__(self, bus, path, uuid, name):
        super().__init__(bus, path)
        self.uuid = uuid
        self.name = name

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return {
            "Type": "peripheral",
            "ServiceUUIDs": dbus.Array([self.uuid], signature="s"),
            "LocalName": self.name,
        }

    @dbus.service.method(ADV)
    def Release(self):
        out("advertisement released")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="hci1")
    ap.add_argument("--name", default="VM Test Peripheral")
    ap.add_argument("--service", default="6d617373-6167-6564-0001-000000000001")
    ap.add_argument("--characteristic", default="6d617373-6167-6564-0001-000000000002")
    ap.add_argument("--value", default="6869", help="initial value, hex")
    args = ap.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    adapter = bus.get_object(BLUEZ, "/org/bluez/" + args.adapter)

    base = "/org/massaged/vmtest"
    svc = Service(bus, base + "/service0", args.service)
    chrc = Characteristic(bus, base + "/service0/char0", svc.path, args.characteristic,
                          bytes.fromhex(args.value))
    app = Application(bus, base, [svc, chrc])
    advs = [Advertisement(bus, "%s/adv%d" % (base, i), args.service, args.name) for i in (0, 1)]

    pending = {"n": 1 + len(advs)}
    failed = []

    def ok(*_):
        pending["n"] -= 1
        if pending["n"] == 0:
            out("ready")

    def err(e):
        failed.append(str(e))
        out("error", e.get_dbus_name() if hasattr(e, "get_dbus_name") else "", str(e))
        loop.quit()

    # The adapter's Alias is the GAP name a central reads after connecting.
    adapter.Set("org.bluez.Adapter1", "Alias", args.name, dbus_interface=PROPS)
    dbus.Interface(adapter, "org.bluez.GattManager1").RegisterApplication(
        base, {}, reply_handler=ok, error_handler=err)
    for a in advs:
        dbus.Interface(adapter, "org.bluez.LEAdvertisingManager1").RegisterAdvertisement(
            a, {}, reply_handler=ok, error_handler=err)

    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    loop.run()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
