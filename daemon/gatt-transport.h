/* MsdGattTransport: one device's GATT characteristics through bluetoothd.
 *
 * Writes go through the AcquireWrite descriptor for write-without-response
 * when bluetoothd gives one, else WriteValue (and back to WriteValue when the
 * descriptor fails). Notifications come through AcquireNotify's descriptor,
 * else StartNotify and the Value property. Opening also reads the driver's
 * read characteristics once (the standard Battery Level, ...). Each received
 * value goes to the owner raw: decoding is the driver's, in device.c. A
 * driver with a battery query is asked every minute while open.
 *
 * The connection itself (when to open and close) is daemon/link.h's. */
#pragma once

#include <gio/gio.h>

#include "daemon/bluez.h"
#include "daemon/writer.h"
#include "protocol/driver.h"

G_BEGIN_DECLS

typedef struct _MsdGattTransport MsdGattTransport;

typedef struct {
    /* msd_gatt_transport_open() finished: writes work (through the
     * descriptor or WriteValue), notifications are on their way. */
    void (*opened)(gpointer user_data);
    /* A notification or a read value of characteristic `uuid`. */
    void (*received)(gpointer user_data, const char *uuid, const guint8 *data, gsize len);
    /* Time to ask for the battery (driver with a battery query only). */
    void (*battery_due)(gpointer user_data);
} MsdGattTransportCallbacks;

MsdGattTransport *msd_gatt_transport_new(MsdBluez *bluez, const char *device_path,
                                         const char *address, MpDriver *driver,
                                         const MsdGattTransportCallbacks *callbacks,
                                         gpointer user_data);
/* Closes it first; no callback runs afterwards. */
void msd_gatt_transport_free(MsdGattTransport *t);

/* The driver's write (and notify, if it has one) characteristics are
 * exported by bluetoothd right now. */
gboolean msd_gatt_transport_find(MsdGattTransport *t);
/* Takes the characteristics and sets up notifications, initial reads and
 * writes; `opened` when done (perhaps before this returns). */
void msd_gatt_transport_open(MsdGattTransport *t);
/* Drops descriptors, subscriptions, the battery poll; cancels calls in flight. */
void msd_gatt_transport_close(MsdGattTransport *t);
/* Open, and the write characteristic is no longer exported. */
gboolean msd_gatt_transport_vanished(MsdGattTransport *t);

/* Calls battery_due now and every minute until closed, when the driver has a
 * battery query and no standard Battery Level to read. */
void msd_gatt_transport_start_battery_poll(MsdGattTransport *t);

/* Can the driver encode this command at all? */
gboolean msd_gatt_driver_can(const MpDriver *driver, MpCommandKind kind);

/* The transport under the writer (daemon/writer.h); its data is the
 * MsdGattTransport. Not open: every write fails with NOT_CONNECTED. */
extern const MsdTransport msd_gatt_transport_writer;

G_END_DECLS
