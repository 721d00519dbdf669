/* The BlueZ client: follows org.bluez through its ObjectManager, restricted
 * to one adapter's objects, and survives bluetoothd restarting (its objects
 * vanish with its name and are announced again when it returns). Uses plain
 * GDBusProxy objects so it needs nothing but BlueZ's documented API. */
#pragma once

#include <gio/gio.h>

#include "common/names.h" /* BLUEZ_*: org.bluez's names, shared with massage-sim */

G_BEGIN_DECLS

typedef struct {
    /* A Device1 object under our adapter appeared (or bluetoothd returned). */
    void (*device_added)(gpointer user_data, GDBusProxy *device);
    /* ... vanished (removed, or bluetoothd left the bus). */
    void (*device_removed)(gpointer user_data, const char *bluez_path);
    /* Device1 or Battery1 properties of a device under our adapter changed. */
    void (*device_changed)(gpointer user_data, GDBusProxy *proxy, GVariant *changed);
    /* A GATT characteristic under a device appeared or vanished. */
    void (*gatt_changed)(gpointer user_data, const char *device_path);
    /* The adapter appeared or vanished, or its Discovering property changed. */
    void (*adapter_changed)(gpointer user_data);
} MsdBluezCallbacks;

typedef struct _MsdBluez MsdBluez;

MsdBluez *msd_bluez_new(GDBusConnection *conn, const char *adapter,
                        const MsdBluezCallbacks *callbacks, gpointer user_data, GError **error);
void msd_bluez_free(MsdBluez *bluez);

const char *msd_bluez_adapter_path(MsdBluez *bluez); /* "/org/bluez/hci0" */
/* The adapter's proxy, or NULL while it (or bluetoothd) is absent. New reference. */
GDBusProxy *msd_bluez_get_adapter(MsdBluez *bluez);
gboolean msd_bluez_adapter_discovering(MsdBluez *bluez);
/* Every Device1 proxy under the adapter (new references). */
GList *msd_bluez_get_devices(MsdBluez *bluez);
/* The characteristic with `uuid` under the device at `device_path`, or NULL.
 * New reference. */
GDBusProxy *msd_bluez_find_characteristic(MsdBluez *bluez, const char *device_path,
                                          const char *uuid);
/* Another interface of the same object (e.g. Battery1 of a device), or NULL. */
GDBusProxy *msd_bluez_get_interface(MsdBluez *bluez, const char *path, const char *iface);

/* SetDiscoveryFilter(Transport=le, UUIDs) then StartDiscovery. */
void msd_bluez_start_discovery(MsdBluez *bluez, const char *const *uuids,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean msd_bluez_start_discovery_finish(MsdBluez *bluez, GAsyncResult *result, GError **error);
void msd_bluez_stop_discovery(MsdBluez *bluez, GAsyncReadyCallback callback, gpointer user_data);
gboolean msd_bluez_stop_discovery_finish(MsdBluez *bluez, GAsyncResult *result, GError **error);

/* A boolean / string / string-array property from a proxy's cache. */
gboolean msd_proxy_get_bool(GDBusProxy *proxy, const char *name);
char *msd_proxy_get_string(GDBusProxy *proxy, const char *name);
GStrv msd_proxy_get_strv(GDBusProxy *proxy, const char *name);

/* Turns an org.bluez error reply into an MSD_ERROR with `what` in front:
 * "connect: org.bluez.Error.Failed: Page Timeout" -> NotConnected etc. */
void msd_bluez_error_propagate(GError **dest, GError *src, const char *what);

G_END_DECLS
