#!/usr/bin/python3
"""A long-lived GATT central for the real-stack harness self-test.

Discovery belongs to the D-Bus client that started it (a one-shot busctl
call loses it when it exits), so this one process does the whole round:
StartDiscovery on its adapter -> a Device1 under ITS adapter offering the
service UUID -> Connect (retried once: a connect that lands in the kernel's
advertisement swap can fail at once) -> ServicesResolved -> read the
characteristic -> write it -> read it back -> Disconnect -> Connected false.

Prints one "timing: STEP N ms" line per step, "read <hex>" per read, "done"
at the end; exits non-zero with "error: ..." on the first failure.
Must run with the distribution's /usr/bin/python3 (python3-dbus, python3-gi).
"""
import argparse
import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

BLUEZ = "org.bluez"
PROPS = "org.freedesktop.DBus.Properties"
OM = "org.freedesktop.DBus.ObjectManager"
DEVICE = "org.bluez.Device1"
GATT_CHRC = "org.bluez.GattCharacteristic1"


class Failure(Exception):
    pass


def out(*words):
    print(*words, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="hci0")
    ap.add_argument("--service", default="6d617373-6167-6564-0001-000000000001")
    ap.add_argument("--characteristic", default="6d617373-6167-6564-0001-000000000002")
    ap.add_argument("--write", default="c0ffee", help="value to write, hex")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per step")
    args = ap.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    ctx = GLib.MainContext.default()
    adapter_path = "/org/bluez/" + args.adapter
    adapter = bus.get_object(BLUEZ, adapter_path)
    om = dbus.Interface(bus.get_object(BLUEZ, "/"), OM)
    uuid = args.service.lower()

    # Objects as bluetoothd announces them, kept current from its signals so
    # the waits below need no polling over the bus.
    objects = {str(k): {i: dict(p) for i, p in v.items()} for k, v in om.GetManagedObjects().items()}

    def added(path, ifaces):
        objects.setdefault(str(path), {}).update({i: dict(p) for i, p in ifaces.items()})

    def removed(path, ifaces):
        for i in ifaces:
            objects.get(str(path), {}).pop(i, None)

    def changed(iface, props, invalidated, path=None):
        objects.setdefault(str(path), {}).setdefault(iface, {}).update(props)

    bus.add_signal_receiver(added, "InterfacesAdded", OM, BLUEZ)
    bus.add_signal_receiver(removed, "InterfacesRemoved", OM, BLUEZ)
    bus.add_signal_receiver(changed, "PropertiesChanged", PROPS, BLUEZ, path_keyword="path")

    def wait(what, cond, timeout=args.timeout):
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            while ctx.pending():
                ctx.iteration(False)
            r = cond()
            if r:
                return r, (time.monotonic() - t0) * 1000
            if time.monotonic() > deadline:
                raise Failure("%s: nothing after %.0f s" % (what, timeout))
            ctx.iteration(False)
            time.sleep(0.01)

    def our_device():
        # Only Device1 objects under OUR adapter: once connected, the
        # peripheral's side shows up under the other adapter in the same tree.
        for path, ifaces in objects.items():
            dev = ifaces.get(DEVICE)
            if dev and path.startswith(adapter_path + "/dev_") and \
                    uuid in [str(u).lower() for u in dev.get("UUIDs", [])]:
                return path
        return None

    def step(name, ms):
        out("timing: %s %d ms" % (name, ms))

    t_all = time.monotonic()
    ad = dbus.Interface(adapter, "org.bluez.Adapter1")
    ad.SetDiscoveryFilter({"Transport": "le", "UUIDs": dbus.Array([uuid], signature="s")})
    ad.StartDiscovery()
    path, ms = wait("discovery of a device with service " + uuid, our_device)
    step("discovery", ms)
    out("device", path)
    ad.StopDiscovery()

    dev = dbus.Interface(bus.get_object(BLUEZ, path), DEVICE)
    t0 = time.monotonic()
    for attempt in (1, 2):
        try:
            dev.Connect(timeout=args.timeout)
            break
        except dbus.DBusException as e:
            out("connect attempt %d failed: %s" % (attempt, e.get_dbus_name()))
            if attempt == 2:
                raise Failure("Connect failed twice: %s" % e)
            time.sleep(0.5)
    step("connect", (time.monotonic() - t0) * 1000)

    _, ms = wait("ServicesResolved",
                 lambda: objects.get(path, {}).get(DEVICE, {}).get("ServicesResolved"))
    step("services-resolved", (time.monotonic() - t0) * 1000)

    def our_chrc():
        for p, ifaces in objects.items():
            c = ifaces.get(GATT_CHRC)
            if c and p.startswith(path + "/") and str(c.get("UUID", "")).lower() == args.characteristic:
                return p
        return None

    chrc_path, _ = wait("characteristic " + args.characteristic, our_chrc)
    chrc = dbus.Interface(bus.get_object(BLUEZ, chrc_path), GATT_CHRC)

    t0 = time.monotonic()
    value = bytes(chrc.ReadValue({}))
    step("read", (time.monotonic() - t0) * 1000)
    out("read", value.hex())

    t0 = time.monotonic()
    chrc.WriteValue(dbus.Array(bytes.fromhex(args.write), signature="y"), {"type": "request"})
    step("write", (time.monotonic() - t0) * 1000)

    value = bytes(chrc.ReadValue({}))
    out("read", value.hex())

    t0 = time.monotonic()
    dev.Disconnect()
    # An unpaired device's object is removed soon after it disconnects.
    wait("Connected = false",
         lambda: DEVICE not in objects.get(path, {}) or
         not bool(objects[path][DEVICE].get("Connected", True)))
    step("disconnect", (time.monotonic() - t0) * 1000)
    step("round", (time.monotonic() - t_all) * 1000)
    out("done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Failure, dbus.DBusException) as e:
        out("error:", e)
        sys.exit(1)
