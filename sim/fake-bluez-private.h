/* Shared between the fake-bluez-*.c files: the exported world's structures. */
#pragma once

#include "bluez-api.h"
#include "common/names.h"
#include "sim/acquired-fd.h"
#include "sim/client-set.h"
#include "sim/fake-bluez.h"

typedef struct _FbAdapter FbAdapter;
typedef struct _FbDevice FbDevice;
typedef struct _FbChar FbChar;

struct _FakeBluez {
    char *bus_address;
    FakeBluezTiming t;
    SimLog *log;
    GDBusConnection *conn; /* our own connection: a restart gives a new unique name */
    GDBusObjectManagerServer *om;
    guint own_id;
    gboolean running;
    GPtrArray *adapters; /* FbAdapter* */
    void (*name_cb)(FakeBluez *, gboolean, gpointer);
    gpointer name_cb_data;
};

struct _FbAdapter {
    FakeBluez *fb;
    char *name;
    char *address;
    char *path;
    GPtrArray *devices; /* FbDevice*, in range of this adapter */
    /* Exported while running: */
    BluezAdapter1 *skel;
    GDBusObjectSkeleton *obj;
    ClientSet *discovery; /* clients with a discovery session */
    ClientSet *filters;   /* clients with a discovery filter (GStrv of UUIDs, or NULL) */
    guint scan_id;
    guint expire_id; /* removes temporary devices not heard for TemporaryTimeout */
};

struct _FbDevice {
    FbAdapter *ad;
    SimDevice *model;
    char *path;
    /* Exported once discovered: */
    BluezDevice1 *skel;
    BluezBattery1 *battery;
    GDBusObjectSkeleton *obj;
    GDBusMethodInvocation *pending_connect;
    guint connect_id, resolve_id, gatt_id, name_id, drop_id;
    GPtrArray *chars;    /* FbChar* while connected */
    GPtrArray *services; /* object paths (char*) of exported services */
    /* As bluetoothd: a device is "temporary" until it connects; one not
     * heard (advertising, in range, discovery running) for TemporaryTimeout
     * is removed. */
    gboolean temporary;
    gint64 last_seen_us;
};
/* One advertisement heard while discovering: exports the device or, if it
 * is already there, sets RSSI again (PropertiesChanged), as bluetoothd
 * does for every report. */
void fb_device_heard(FbDevice *dev);
/* Discovery stopped: RSSI is no longer known (bluetoothd invalidates it). */
void fb_device_rssi_clear(FbDevice *dev);

struct _FbChar {
    FbDevice *dev;
    char *path;
    char *uuid;
    SimCharFlags flags;
    BluezGattCharacteristic1 *skel;
    GDBusObjectSkeleton *obj;
    BluezGattDescriptor1 *cccd; /* notify characteristics only */
    GDBusObjectSkeleton *cccd_obj;
    ClientSet *notify;                /* StartNotify sessions */
    GDBusMethodInvocation *in_flight; /* the one write with response allowed */
    GQueue delayed;                   /* DelayedWrite*, writes held by the delay fault */
    guint pump_id;                    /* delivers the head of `delayed` when due */
    SimAcquiredFd write_sock;         /* AcquireWrite */
    SimAcquiredFd notify_sock;        /* AcquireNotify */
};

/* fake-bluez.c */
/* Exports an object at `path` with the one interface skeleton `iface`:
 * the object, a new reference (more interfaces may be added to it). */
GDBusObjectSkeleton *fb_export(FakeBluez *fb, const char *path, gpointer iface);
void fb_unexport(FakeBluez *fb, const char *path);
void fb_return_error(GDBusMethodInvocation *inv, const char *name, const char *message);
GVariant *fb_bytes_variant(const guint8 *data, gsize len);
/* Sends the skeleton's pending property changes now (one PropertiesChanged);
 * NULL: nothing. */
void fb_flush(gpointer skel);

/* fake-bluez-device.c */
FbDevice *fb_device_new(FbAdapter *ad, SimDevice *model);
void fb_device_free(FbDevice *dev);
void fb_device_export(FbDevice *dev); /* discovered: the Device1 object appears */
/* Link teardown (Disconnect, a drop, a restart); `reason` goes to the log. */
void fb_device_link_down(FbDevice *dev, const char *reason);
void fb_device_unexport(FbDevice *dev);
gboolean fb_device_is_exported(const FbDevice *dev);

/* fake-bluez-gatt.c */
void fb_gatt_export(FbDevice *dev);
void fb_gatt_remove(FbDevice *dev);
void fb_gatt_notify(FbDevice *dev, const char *uuid, GBytes *value);
