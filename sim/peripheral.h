/* massage-sim --peripheral: the same device models, registered with a REAL
 * bluetoothd as a GATT server (org.bluez.GattManager1.RegisterApplication)
 * and advertised (org.bluez.LEAdvertisingManager1.RegisterAdvertisement) on
 * a real adapter, so a central on another adapter reaches them through the
 * kernel and the air (or btvirt). One device per adapter: a controller has
 * one identity, one GAP name and one GATT database. */
#pragma once

#include <gio/gio.h>

#include "sim/device-model.h"
#include "sim/world.h"

G_BEGIN_DECLS

/* ---- peripheral-gatt.c: one device's GATT application object tree ---- */

typedef struct _SimPeriphApp SimPeriphApp;

/* Exports the application for `dev` under `root` (an ObjectManager) on
 * `conn`, and becomes the device's transport (its notify callback). */
SimPeriphApp *sim_periph_app_new(GDBusConnection *conn, const char *root, SimDevice *dev,
                                 SimLog *log, gboolean acquire_write, GError **error);
void sim_periph_app_free(SimPeriphApp *app);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimPeriphApp, sim_periph_app_free)
const char *sim_periph_app_get_root(const SimPeriphApp *app);
/* Drops every acquired socket and notify session (the link went down or
 * bluetoothd went away). */
void sim_periph_app_reset(SimPeriphApp *app);

/* ---- peripheral-adv.c: LEAdvertisement1 objects ---- */

typedef struct _SimPeriphAdv SimPeriphAdv;

/* One advertisement object at `path`: Type peripheral, `uuids`, `name`. */
SimPeriphAdv *sim_periph_adv_new(GDBusConnection *conn, const char *path, const char *name,
                                 const char *const *uuids, GError **error);
void sim_periph_adv_free(SimPeriphAdv *adv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimPeriphAdv, sim_periph_adv_free)
const char *sim_periph_adv_get_path(const SimPeriphAdv *adv);

/* ---- peripheral.c: the mode itself ---- */

/* Runs peripheral mode until SIGTERM/SIGINT: the exit status.
 * `acquire_write`: offer WriteAcquired on write-without-response
 * characteristics (NotifyAcquired is always offered). */
int sim_peripheral_main(SimWorld *world, SimLog *log, gboolean acquire_write);

G_END_DECLS
