/* A fake bluetoothd: org.bluez on the system bus it is given, exporting the
 * simulated devices through the same objects, properties, methods and errors
 * bluetoothd offers a GATT client. See docs/simulator.md for what differs. */
#pragma once

#include <gio/gio.h>

#include "sim/device-model.h"

G_BEGIN_DECLS

typedef struct {
    guint discovery_delay_ms; /* StartDiscovery → device objects appear */
    guint name_delay_ms;      /* device object → Name/Alias (scan response); 0: at once */
    guint connect_delay_ms;   /* Connect → Connected and its reply */
    guint resolve_delay_ms;   /* Connected → GATT objects and ServicesResolved */
    gboolean race_1489;       /* bluez#1489: ServicesResolved before the GATT objects */
    guint race_delay_ms;      /* ... which then appear this much later */
    guint16 mtu;              /* the ATT MTU AcquireWrite/AcquireNotify report */
    /* bluetoothd's TemporaryTimeout: a discovered device that never
     * connected is removed when not heard for this long (default 30 s). */
    guint temporary_timeout_ms;
} FakeBluezTiming;

void fake_bluez_timing_init(FakeBluezTiming *t);

typedef struct _FakeBluez FakeBluez;

FakeBluez *fake_bluez_new(const char *bus_address, const FakeBluezTiming *timing, SimLog *log);
void fake_bluez_free(FakeBluez *fb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeBluez, fake_bluez_free)

/* Adds a controller (hci0, hci1, …) with a public address. Before start. */
void fake_bluez_add_adapter(FakeBluez *fb, const char *name, const char *address);
/* Puts a device in range of adapter `adapter` (NULL: the first). Takes ownership. */
gboolean fake_bluez_add_device(FakeBluez *fb, const char *adapter, SimDevice *dev, GError **error);

/* Connects to the bus, exports the objects, then claims org.bluez (objects
 * first, name last, so a client that sees the name sees everything). */
gboolean fake_bluez_start(FakeBluez *fb, GError **error);
/* bluetoothd exiting: the connection closes, the name and every object go
 * with it (no InterfacesRemoved, as when a process dies). */
void fake_bluez_stop(FakeBluez *fb);
gboolean fake_bluez_is_running(const FakeBluez *fb);
/* Calls `cb` once org.bluez is owned (or could not be: `ok` FALSE). */
void fake_bluez_set_name_callback(FakeBluez *fb, void (*cb)(FakeBluez *, gboolean ok, gpointer),
                                  gpointer user_data);

/* Devices, by address (case-insensitive). */
SimDevice *fake_bluez_lookup_device(FakeBluez *fb, const char *address);
GPtrArray *fake_bluez_list_devices(FakeBluez *fb); /* SimDevice*, borrowed */
const char *fake_bluez_device_adapter(FakeBluez *fb, const char *address); /* "hci0" */

/* Faults. */
gboolean fake_bluez_drop_connection(FakeBluez *fb, const char *address, guint after_ms,
                                    GError **error);

G_END_DECLS
