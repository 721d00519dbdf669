/* The daemon's side of its errors. The domain, its codes and their D-Bus
 * names (org.massaged.Error.*) are in common/error.h, shared with the
 * clients; here is what only the daemon does with them: return any GError to
 * a caller as one of ours, and put bluetoothd's errors in words. */
#pragma once

#include <gio/gio.h>

#include "common/error.h"

G_BEGIN_DECLS

/* Returns a method call an error: MSD_ERROR keeps its code; MP_ERROR and
 * other domains are mapped to the nearest MSD_ERROR code first, so every
 * error a client sees is an org.massaged.Error. */
void msd_error_return(GDBusMethodInvocation *invocation, const GError *error);

/* The D-Bus name for an org.bluez error reply ("org.bluez.Error.InProgress"),
 * or NULL when `error` is not a remote D-Bus error. */
char *msd_error_remote_name(const GError *error);

/* BlueZ's connect error tokens ("le-connection-abort-by-local", "Page
 * Timeout", ...) found in `text`, in words a person can act on; NULL when
 * none is known. One table (msd-error.c). */
const char *msd_error_bluez_words(const char *text);
/* `text` led by its words when a known BlueZ token is in it: "the device did
 * not answer: ... (Connect: org.bluez.Error.Failed: le-connection-abort-by-
 * local)"; otherwise a copy of `text`. */
char *msd_error_in_words(const char *text);

G_END_DECLS
