#include "daemon/msd-error.h"

#include "protocol/mp-error.h"

/* The one table: code <-> D-Bus error name. */
static const GDBusErrorEntry msd_error_entries[] = {
    {MSD_ERROR_FAILED, "org.massaged.Error.Failed"},
    {MSD_ERROR_NOT_CONNECTED, "org.massaged.Error.NotConnected"},
    {MSD_ERROR_BUSY, "org.massaged.Error.Busy"},
    {MSD_ERROR_INVALID_PROGRAMME, "org.massaged.Error.InvalidProgramme"},
    {MSD_ERROR_NOT_FOUND, "org.massaged.Error.NotFound"},
    {MSD_ERROR_PERMISSION_DENIED, "org.massaged.Error.PermissionDenied"},
    {MSD_ERROR_INVALID_ARGS, "org.massaged.Error.InvalidArgs"},
    {MSD_ERROR_NOT_SUPPORTED, "org.massaged.Error.NotSupported"},
    {MSD_ERROR_CONFIG, "org.massaged.Error.Config"},
};

G_STATIC_ASSERT(G_N_ELEMENTS(msd_error_entries) == MSD_ERROR_CONFIG + 1);

GQuark msd_error_quark(void)
{
    static gsize quark = 0;
    g_dbus_error_register_error_domain("msd-error-quark", &quark, msd_error_entries,
                                       G_N_ELEMENTS(msd_error_entries));
    return (GQuark)quark;
}

static MsdError code_from_mp(gint code)
{
    switch ((MpError)code) {
    case MP_ERROR_INVALID:
    case MP_ERROR_RANGE:
        return MSD_ERROR_INVALID_ARGS;
    case MP_ERROR_SAFETY:
        return MSD_ERROR_INVALID_PROGRAMME;
    case MP_ERROR_NOT_FOUND:
        return MSD_ERROR_NOT_FOUND;
    case MP_ERROR_UNSUPPORTED:
        return MSD_ERROR_NOT_SUPPORTED;
    case MP_ERROR_CHECKSUM:
        break;
    }
    return MSD_ERROR_FAILED;
}

void msd_error_return(GDBusMethodInvocation *invocation, const GError *error)
{
    MsdError code = MSD_ERROR_FAILED;
    if (error->domain == MSD_ERROR)
        code = (MsdError)error->code;
    else if (error->domain == MP_ERROR)
        code = code_from_mp(error->code);
    else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        code = MSD_ERROR_NOT_FOUND;
    else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        code = MSD_ERROR_PERMISSION_DENIED;
    g_dbus_method_invocation_return_error_literal(invocation, MSD_ERROR, code, error->message);
}

char *msd_error_remote_name(const GError *error)
{
    if (!g_dbus_error_is_remote_error(error))
        return NULL;
    return g_dbus_error_get_remote_error(error);
}
