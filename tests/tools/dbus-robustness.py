#!/usr/bin/python3
"""Calls every method and property of every org.massaged interface in
data/org.massaged.xml with bad input -- wrong types, missing and extra
arguments, empty and oversized strings, NaN/+-inf/huge numbers, unknown
object paths and ids -- and checks each gets a typed D-Bus error (an
org.massaged.Error.* or org.freedesktop.DBus.Error.* other than NoReply),
with the daemon still answering after each.

Usage: dbus-robustness.py XML PATH=INTERFACE...   (one live object per interface)
Prints one line per call ("ok ..." or "FAIL ...") and a count; exits 1 on
any FAIL. Generated from the XML, so a new method is covered without
editing this file.
"""
import math
import sys
import xml.etree.ElementTree as ET

import dbus

DEST = "org.massaged"
BIG = "x" * (1 << 20)  # 1 MiB
BAD_STRINGS = ["", BIG, "no-such-id", "../../etc/passwd", "\u00e9\u4e2d" * 1000]
BAD_PATHS = ["/", "/org/massaged/nosuch", "/org/massaged/hci0/dev_00_00_00_00_00_00",
             "/" + "a" * 100000]
BAD_DOUBLES = [math.nan, math.inf, -math.inf, 1e308, -1e308, -1.0, 101.0]
BAD_UINTS = {"y": [255], "q": [65535], "u": [2**32 - 1], "t": [2**64 - 1],
             "n": [-32768], "i": [-2**31, 2**31 - 1], "x": [-2**63]}
BAD_OPTIONS = [{"Bogus": dbus.Int32(1)}, {"": dbus.String("")},
               {"x" * 100000: dbus.Int32(1)}, {"scale": dbus.Double(math.nan)},
               {"scale": dbus.Double(math.inf)}, {"scale": dbus.String(BIG)},
               {"side": dbus.String(BIG)}, {"attach": dbus.String("yes")}]
TYPED = ("org.massaged.Error.", "org.freedesktop.DBus.Error.")
UNTYPED = ("org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout",
           "org.freedesktop.DBus.Error.Disconnected", "org.freedesktop.DBus.Error.ServiceUnknown",
           "org.freedesktop.DBus.Error.NameHasNoOwner")
# Methods that answer bad *content* with a result, not an error, by design.
REPORTS_INSTEAD = {"ValidateProgramme"}

bus = dbus.SystemBus()
fails = 0
count = 0


def valid(sig, path_for):
    """A well-formed value of type sig, for the arguments not under test."""
    if sig == "s":
        return "gentle"
    if sig == "o":
        return path_for.get("org.massaged.Device1", "/")
    if sig == "d":
        return dbus.Double(50.0)
    if sig == "a{sv}":
        return dbus.Dictionary({}, signature="sv")
    if sig == "b":
        return False
    return dbus.UInt32(1)


def bad_values(sig):
    if sig == "s":
        return BAD_STRINGS
    if sig == "o":
        return [dbus.ObjectPath(p) for p in BAD_PATHS]
    if sig == "d":
        return [dbus.Double(v) for v in BAD_DOUBLES]
    if sig == "a{sv}":
        return [dbus.Dictionary(o, signature="sv") for o in BAD_OPTIONS]
    return BAD_UINTS.get(sig, [])


def wrong_type(sig):
    return ("i", dbus.Int32(7)) if sig != "i" else ("s", "seven")


def call(desc, path, iface, method, sig, args, allow_success=False, check_result=None):
    global fails, count
    count += 1
    short = desc if len(desc) < 120 else desc[:117] + "..."
    try:
        reply = bus.call_blocking(DEST, path, iface, method, sig, args, timeout=30)
        if allow_success and (check_result is None or check_result(reply)):
            print("ok %s -> answered" % short)
            return
        fails += 1
        print("FAIL %s -> succeeded (%r)" % (short, str(reply)[:200]))
    except dbus.exceptions.DBusException as e:
        name = e.get_dbus_name() or ""
        msg = e.get_dbus_message() or ""
        # Every error quotes at most a bounded prefix of its input
        # (daemon/error-bound.c cuts any error message to 4 KiB).
        bounded = len(msg) <= 4096
        if name.startswith(TYPED) and name not in UNTYPED and bounded:
            print("ok %s -> %s" % (short, name))
        else:
            fails += 1
            print("FAIL %s -> %s (%d-byte message)" % (short, name, len(msg)))
    alive()


def alive():
    global fails
    try:
        bus.call_blocking(DEST, "/org/massaged", "org.freedesktop.DBus.Properties", "Get", "ss",
                          ["org.massaged.Manager1", "Version"], timeout=30)
    except dbus.exceptions.DBusException as e:
        fails += 1
        print("FAIL the daemon no longer answers: %s" % e.get_dbus_name())
        sys.exit(1)


def has_error(reply):
    return any(str(d[0]) == "error" for d in reply)


def main():
    tree = ET.parse(sys.argv[1])
    path_for = {}
    for a in sys.argv[2:]:
        p, i = a.split("=", 1)
        path_for[i] = p
    for node in tree.getroot().iter("interface"):
        iface = node.get("name")
        if not iface.startswith("org.massaged.") or iface not in path_for:
            continue
        path = path_for[iface]
        for m in node.findall("method"):
            name = m.get("name")
            ins = [a.get("type") for a in m.findall("arg") if a.get("direction", "in") == "in"]
            sig = "".join(ins)
            what = "%s.%s" % (iface.split(".")[-1], name)
            # Wrong types, one argument at a time; too many and too few arguments.
            for k, t in enumerate(ins):
                wsig, wval = wrong_type(t)
                s = ins[:k] + [wsig] + ins[k + 1:]
                args = [valid(x, path_for) for x in ins]
                args[k] = wval
                call("%s arg %d as %s" % (what, k, wsig), path, iface, name, "".join(s), args)
            call("%s with an extra argument" % what, path, iface, name, sig + "i",
                 [valid(x, path_for) for x in ins] + [dbus.Int32(1)])
            if ins:
                call("%s with no arguments" % what, path, iface, name, "", [])
            # Bad values, one argument at a time.
            for k, t in enumerate(ins):
                for v in bad_values(t):
                    args = [valid(x, path_for) for x in ins]
                    args[k] = v
                    call("%s arg %d = %r" % (what, k, v), path, iface, name, sig, args,
                         allow_success=name in REPORTS_INSTEAD, check_result=has_error)
            # The method on an object that does not exist.
            for p in BAD_PATHS[1:]:
                call("%s on %s" % (what, p[:60]), p, iface, name, sig,
                     [valid(x, path_for) for x in ins])
        for prop in node.findall("property"):
            pname = prop.get("name")
            what = "%s.%s" % (iface.split(".")[-1], pname)
            try:
                bus.call_blocking(DEST, path, "org.freedesktop.DBus.Properties", "Get", "ss",
                                  [iface, pname], timeout=30)
            except dbus.exceptions.DBusException as e:
                global fails
                fails += 1
                print("FAIL Get %s -> %s" % (what, e.get_dbus_name()))
            for v, vs in ((dbus.Int32(1), "i"), (dbus.String(BIG), "s"), (dbus.Double(math.nan), "d")):
                call("Set %s to %s" % (what, vs), path, "org.freedesktop.DBus.Properties", "Set",
                     "ssv", [iface, pname, v])
            call("Get %s on a missing object" % what, BAD_PATHS[1], "org.freedesktop.DBus.Properties",
                 "Get", "ss", [iface, pname])
        for bad in ("", BIG, "NoSuchProperty"):
            call("Get %s property %r" % (iface, bad[:20]), path, "org.freedesktop.DBus.Properties",
                 "Get", "ss", [iface, bad])
        call("GetAll of %s as a wrong type" % iface, path, "org.freedesktop.DBus.Properties",
             "GetAll", "i", [dbus.Int32(1)])
    call("a method not in the XML", "/org/massaged", "org.massaged.Manager1", "NoSuchMethod", "",
         [])
    call("an interface not in the XML", "/org/massaged", "org.massaged.NoSuch1", "Start", "", [])
    print("%d calls, %d failed" % (count, fails))
    sys.exit(1 if fails else 0)


main()
