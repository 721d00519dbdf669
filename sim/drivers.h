/* Finding the protocol driver a simulated device speaks. */
#pragma once

#include <glib.h>

#include "protocol/driver.h"

G_BEGIN_DECLS

typedef struct _SimDrivers SimDrivers;

/* The built-in drivers plus the *.device files of the shipped, installed and
 * administrator directories and of `extra_dirs` (char*, may be NULL). */
SimDrivers *sim_drivers_new(GPtrArray *extra_dirs);
void sim_drivers_free(SimDrivers *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimDrivers, sim_drivers_free)

/* By registry name or .device path; a new reference. */
MpDriver *sim_drivers_lookup(SimDrivers *d, const char *name_or_path, GError **error);

G_END_DECLS
