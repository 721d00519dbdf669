/* One massage device: the org.massaged.Device1 object, the connection state
 * machine, and the GATT transport (writes and notifications) through BlueZ.
 *
 * States: discovered -> connecting -> ready <-> running; ready/running ->
 * disconnecting -> discovered on request; ready/running -> reconnecting on an
 * unexpected drop, back to ready when it returns, or -> lost when the
 * reconnect window passes without it. */
#pragma once

#include <gio/gio.h>

#include "massaged-api.h"
#include "protocol/driver.h"

G_BEGIN_DECLS

typedef struct _MsdDaemon MsdDaemon;
typedef struct _MsdDevice MsdDevice;
typedef struct _MsdSession MsdSession;

typedef enum {
    MSD_DEVICE_DISCOVERED,
    MSD_DEVICE_CONNECTING,
    MSD_DEVICE_READY,
    MSD_DEVICE_RUNNING,
    MSD_DEVICE_DISCONNECTING,
    MSD_DEVICE_RECONNECTING,
    MSD_DEVICE_LOST,
} MsdDeviceState;

const char *msd_device_state_to_string(MsdDeviceState state);

/* Called when a write finished: error NULL when the frame went out. */
typedef void (*MsdWriteDone)(MsdDevice *device, const GError *error, gpointer user_data);

MsdDevice *msd_device_new(MsdDaemon *daemon, GDBusProxy *bluez_device, MpDriver *driver);
void msd_device_free(MsdDevice *device);

const char *msd_device_get_path(MsdDevice *device);    /* ours: /org/massaged/hci0/dev_... */
const char *msd_device_get_address(MsdDevice *device); /* "AA:BB:CC:DD:EE:FF" */
MpDriver *msd_device_get_driver(MsdDevice *device);
MsdDeviceState msd_device_get_state(MsdDevice *device);
gboolean msd_device_is_ready(MsdDevice *device); /* ready or running */
GDBusObjectSkeleton *msd_device_get_object(MsdDevice *device);

/* BlueZ events, routed by the daemon. */
void msd_device_set_bluez_proxy(MsdDevice *device, GDBusProxy *bluez_device); /* NULL: gone */
void msd_device_bluez_changed(MsdDevice *device, GDBusProxy *proxy, GVariant *changed);
void msd_device_gatt_changed(MsdDevice *device);

/* TRUE while the device is reconnecting but bluetoothd has no object for it. */
gboolean msd_device_needs_scan(MsdDevice *device);

/* Connects (if needed) and calls back when ready or failed. */
void msd_device_connect(MsdDevice *device, GAsyncReadyCallback callback, gpointer user_data);
gboolean msd_device_connect_finish(MsdDevice *device, GAsyncResult *result, GError **error);

/* Hands a command to the device's writer (daemon/writer.h): intensity and
 * speed are coalesced (latest wins), a stop drops everything queued and goes
 * out at once. `done` (may be NULL) runs when the writer accepted the
 * command, or for a stop when its frame went out (or failed); its device
 * argument is NULL when the device is being freed. */
void msd_device_send(MsdDevice *device, const MpCommand *cmd, MsdWriteDone done,
                     gpointer user_data);
/* Stop now, ending the device's session with `reason`. */
void msd_device_stop(MsdDevice *device, const char *reason, MsdWriteDone done, gpointer user_data);

/* The session playing on the device (not owned), or NULL. */
void msd_device_set_session(MsdDevice *device, MsdSession *session, const char *session_path);
MsdSession *msd_device_get_session(MsdDevice *device);
/* Reported by the session/engine: the intensity now on the device. */
void msd_device_set_intensity(MsdDevice *device, double percent);

G_END_DECLS
