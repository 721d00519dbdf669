/* The massaged error domain and its D-Bus error names, in one table shared by
 * the daemon (which returns them), massagectl (which turns them into exit
 * codes) and any other client. Registering the domain (msd_error_quark())
 * makes GDBus map each org.massaged.Error.* reply back to MSD_ERROR and its
 * code, in every process that links this. */
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

/* How many codes there are; a table indexed by MsdError has this many rows
 * (static-assert it where the table is, as common/error.c does). Not an enum
 * member, so a switch over MsdError need not handle it. */
#define MSD_ERROR_N_CODES (MSD_ERROR_CONFIG + 1)

GQuark msd_error_quark(void);

/* The D-Bus error name of `code` ("org.massaged.Error.Busy"); NULL for a code
 * outside the enum. */
const char *msd_error_dbus_name(MsdError code);

/* The code whose D-Bus name is `name`: TRUE and *code set, or FALSE when
 * `name` is not one of ours (the bus's own errors, another service's). */
gboolean msd_error_from_dbus_name(const char *name, MsdError *code);

G_END_DECLS
