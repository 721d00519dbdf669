/* One massage device: the org.massaged.Device1 object, its motion gate and
 * writer, and the stop that reaches it. Its connection is an MsdLink
 * (daemon/link.h, docs/link.md) and its GATT side an MsdGattTransport
 * (daemon/gatt-transport.h).
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
/* How messages name a device to a person: "Theragun (AA:BB:…)", or the
 * address when it has no name. Never an object path. */
char *msd_device_describe(MsdDevice *device);
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
/* A cap below the daemon's for the session now set (a client profile's
 * MaxIntensity), enforced by the device's motion gate on every level from
 * every path; msd_device_set_session() lifts it whenever the session
 * changes. */
void msd_device_set_session_cap(MsdDevice *device, double cap);
/* Every level for the motor, from any path (a session's engine, Adjust,
 * Next/Previous, Resume, a device that came back, a manual SetIntensity),
 * goes through here: the device's motion gate (daemon/motion-gate.h) applies
 * the cap, the start limit, the jump limit (only when `step_edge`: a
 * programme moved to a new step) and the rise rate, ramping what it may not
 * send at once. 0 stops the motor. Ignored while not connected. Device1's
 * Intensity is what the gate let through. */
void msd_device_set_level(MsdDevice *device, double percent, gboolean step_edge);

/* TRUE when the device may be in motion as far as massaged knows: connected
 * with a level above 0, recorded in the in-motion record (a previous
 * massaged set it moving and never saw it stop), or dropped while moving. */
gboolean msd_device_may_be_moving(MsdDevice *device);

/* The stop a person or a hub asks for (Device1.Stop, StopAll, the recovery
 * after a crash). Connected: stop now. Not connected: connect (the usual
 * connect with its retry), send the stop, and disconnect again. `done` gets
 * error NULL only when a stop frame reached the device; otherwise an error
 * naming it (MSD_ERROR_NOT_CONNECTED: "could not reach AA:..: why"). Ends
 * the device's session with `reason` first. */
void msd_device_stop_reaching(MsdDevice *device, const char *reason, MsdWriteDone done,
                              gpointer user_data);

G_END_DECLS
