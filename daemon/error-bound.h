/* Every error reply massaged sends quotes at most MSD_ERROR_MAX_BYTES of
 * message: the last line of defence behind msd_excerpt(), for the messages
 * built elsewhere (an unknown 1 MB object path in GDBus's own
 * UnknownMethod, an option's value echoed back). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MSD_ERROR_MAX_BYTES 4096

void msd_error_bound_install(GDBusConnection *conn);

G_END_DECLS
