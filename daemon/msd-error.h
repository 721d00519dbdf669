/* The daemon's errors: one GError domain, each code mapped to one D-Bus error
 * name (org.massaged.Error.*) in one table, so a GError returned from a method
 * handler reaches the client with its proper name and message. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MSD_ERROR (msd_error_quark())

typedef enum {
    MSD_ERROR_FAILED,            /* org.massaged.Error.Failed */
    MSD_ERROR_NOT_CONNECTED,     /* org.massaged.Error.NotConnected */
    MSD_ERROR_BUSY,              /* org.massaged.Error.Busy */
    MSD_ERROR_INVALID_PROGRAMME, /* org.massaged.Error.InvalidProgramme */
    MSD_ERROR_NOT_FOUND,         /* org.massaged.Error.NotFound */
    MSD_ERROR_PERMISSION_DENIED, /* org.massaged.Error.PermissionDenied */
    MSD_ERROR_INVALID_ARGS,      /* org.massaged.Error.InvalidArgs */
    MSD_ERROR_NOT_SUPPORTED,     /* org.massaged.Error.NotSupported */
    MSD_ERROR_CONFIG,            /* org.massaged.Error.Config: a bad configuration file */
} MsdError;

GQuark msd_error_quark(void);

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
