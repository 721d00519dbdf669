/* The simulated world from the command line and a config file: adapters,
 * devices with their drivers and faults, timings. */
#pragma once

#include <glib.h>

#include "sim/fake-bluez.h"

G_BEGIN_DECLS

typedef struct {
    char *name;    /* hci0 */
    char *address; /* 00:AA:01:00:00:00 */
} SimAdapterSpec;

typedef struct {
    char *driver;  /* registry name or .device path */
    char *adapter; /* NULL: the first */
    SimDeviceConfig cfg;
} SimDeviceSpec;

typedef struct {
    GPtrArray *adapters; /* SimAdapterSpec* */
    GPtrArray *devices;  /* SimDeviceSpec* */
    FakeBluezTiming timing;
    char *log_path;
    GPtrArray *device_dirs; /* extra *.device directories (char*) */
} SimWorld;

void sim_world_init(SimWorld *w);
void sim_world_clear(SimWorld *w);

/* "hci0" or "hci0=00:AA:01:00:00:00". */
gboolean sim_world_add_adapter(SimWorld *w, const char *spec, GError **error);
/* "DRIVER[,name=NAME][,address=ADDR][,key=value|flag]...": see docs/simulator.md. */
gboolean sim_world_add_device(SimWorld *w, const char *spec, GError **error);
/* A GKeyFile: [Sim] for timings and adapters, one [Device X] group each. */
gboolean sim_world_load_config(SimWorld *w, const char *path, GError **error);
/* Defaults after parsing: an adapter hci0, device addresses. */
gboolean sim_world_finish(SimWorld *w, GError **error);

gboolean sim_address_valid(const char *address);

G_END_DECLS
