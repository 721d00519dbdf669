/* A simulated massage device: one generic engine over a protocol driver.
 *
 * The model knows nothing of D-Bus. It is given the bytes a host wrote to one
 * of its characteristics, decodes them with the driver's device side
 * (mp_driver_parse_command), keeps the device's state and answers through a
 * notify callback with frames from mp_driver_encode_reading. Two transports
 * carry it unchanged: the fake BlueZ (fake-bluez-*.c) on a private bus, and
 * peripheral mode (peripheral*.c), which registers it with a real
 * bluetoothd as a GATT server for the VM tier. Time comes from an MsdClock
 * (common/clock.h), so tests run the model on a fake clock. */
#pragma once

#include <glib.h>

#include "common/clock.h"
#include "protocol/driver.h"
#include "sim/command-log.h"

G_BEGIN_DECLS

#define SIM_UUID_BATTERY_SERVICE "0000180f-0000-1000-8000-00805f9b34fb"
#define SIM_UUID_BATTERY_LEVEL   "00002a19-0000-1000-8000-00805f9b34fb"
#define SIM_UUID_CCCD            "00002902-0000-1000-8000-00805f9b34fb"

typedef enum {
    SIM_CHAR_READ = 1 << 0,
    SIM_CHAR_WRITE = 1 << 1,    /* write with response */
    SIM_CHAR_WRITE_NR = 1 << 2, /* write without response */
    SIM_CHAR_NOTIFY = 1 << 3,
} SimCharFlags;

/* One characteristic of the device's GATT database, in handle order. */
typedef struct {
    char *service_uuid;
    char *uuid;
    SimCharFlags flags;
} SimGattChar;

/* Settings of one simulated device, from --device or the config file. */
typedef struct {
    char *name;
    char *address;
    int rssi;
    guint battery;              /* percent at start */
    guint drain_s_per_pct;      /* running: one percent per this many seconds; 0 never */
    guint keepalive_timeout_ms; /* 0: 3 x the driver's keepalive period */
    guint force_period_ms;      /* readings while running, if the driver reports force */
    gboolean powered;
    /* faults at start */
    gboolean refuse_connect;
    guint write_delay_ms;
    gboolean fail_writes;
    guint drop_after_ms;    /* 0: never */
    guint garbage_every_ms; /* random notifications this often while connected; 0 never */
    guint stall_resolve;    /* the next this many connects never resolve services */
    guint drop_connects;    /* the next this many connects drop before resolving */
} SimDeviceConfig;

void sim_device_config_init(SimDeviceConfig *cfg);
void sim_device_config_clear(SimDeviceConfig *cfg);

typedef struct _SimDevice SimDevice;

typedef struct {
    /* The device notifies `value` on characteristic `char_uuid`. */
    void (*notify)(SimDevice *dev, const char *char_uuid, GBytes *value, gpointer user_data);
    /* The device ends the link by itself (power-off, flat battery). */
    void (*drop_link)(SimDevice *dev, const char *reason, gpointer user_data);
} SimDeviceCallbacks;

/* The device's timers (keepalive watchdog, battery and force tick, garbage
 * fault) run on `clock` (a reference is kept): massage-sim passes the real
 * clock, tests a fake one they advance (common/clock.h). */
SimDevice *sim_device_new(MpDriver *driver, const SimDeviceConfig *cfg, SimLog *log,
                          MsdClock *clock);
void sim_device_free(SimDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimDevice, sim_device_free)

void sim_device_set_callbacks(SimDevice *dev, const SimDeviceCallbacks *cb, gpointer user_data);

const char *sim_device_get_address(const SimDevice *dev);
const char *sim_device_get_name(const SimDevice *dev);
const MpDriver *sim_device_get_driver(const SimDevice *dev);
const SimDeviceConfig *sim_device_get_config(const SimDevice *dev);
SimDeviceConfig *sim_device_get_config_mut(SimDevice *dev);
/* The advertised service UUIDs (NULL-terminated, owned by the device). */
const char *const *sim_device_get_uuids(const SimDevice *dev);
/* The GATT database, SimGattChar* in handle order. */
GPtrArray *sim_device_get_gatt(const SimDevice *dev);
gboolean sim_device_has_battery_service(const SimDevice *dev);

/* Link state, told by the transport. */
void sim_device_link_up(SimDevice *dev);
void sim_device_link_down(SimDevice *dev, const char *reason);
gboolean sim_device_is_connected(const SimDevice *dev);

/* A write from the host. Everything is logged; an undecodable frame is
 * logged with "error" and ignored (as a device ignores garbage). Returns
 * FALSE only for a characteristic the device does not have. */
gboolean sim_device_write(SimDevice *dev, const char *char_uuid, const guint8 *data, gsize len,
                          GError **error);
/* A read from the host: the characteristic's current value. */
GBytes *sim_device_read(SimDevice *dev, const char *char_uuid, GError **error);

/* State, for the control interface and tests. */
typedef struct {
    gboolean powered;
    gboolean connected;
    gboolean running;
    double intensity;
    guint speed;
    guint battery;
    double force;
    guint writes;
} SimDeviceState;
void sim_device_get_state(const SimDevice *dev, SimDeviceState *out);

/* Faults and world events. */
void sim_device_set_battery(SimDevice *dev, guint percent);
void sim_device_set_powered(SimDevice *dev, gboolean powered);
/* Notifies `garbage` (or random bytes when NULL) on the notify characteristic. */
gboolean sim_device_send_garbage(SimDevice *dev, GBytes *garbage, GError **error);
/* The person pressed the device's own stop button: a running motor stops and
 * the device tells the host what its protocol can say (reference: ERROR
 * USER_STOP then STATE; a driver that can encode `running`: a reading with
 * running cleared; others nothing). Logged as "button-stop". Returns whether
 * the motor was running (at rest the press is logged and nothing is sent). */
gboolean sim_device_press_button(SimDevice *dev);

G_END_DECLS
