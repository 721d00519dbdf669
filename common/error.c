/* The one table: MsdError code <-> org.massaged.Error.* name. */
#include "common/error.h"

#include "common/names.h"

/* Indexed by code (designated initialisers), so a row can neither be missing
 * nor be in the wrong place without the checks below failing the build. */
static const GDBusErrorEntry msd_error_entries[] = {
    [MSD_ERROR_FAILED] = {MSD_ERROR_FAILED, MSD_ERROR_NAME_PREFIX "Failed"},
    [MSD_ERROR_NOT_CONNECTED] = {MSD_ERROR_NOT_CONNECTED, MSD_ERROR_NAME_PREFIX "NotConnected"},
    [MSD_ERROR_BUSY] = {MSD_ERROR_BUSY, MSD_ERROR_NAME_PREFIX "Busy"},
    [MSD_ERROR_INVALID_PROGRAMME] = {MSD_ERROR_INVALID_PROGRAMME,
                                     MSD_ERROR_NAME_PREFIX "InvalidProgramme"},
    [MSD_ERROR_NOT_FOUND] = {MSD_ERROR_NOT_FOUND, MSD_ERROR_NAME_PREFIX "NotFound"},
    [MSD_ERROR_PERMISSION_DENIED] = {MSD_ERROR_PERMISSION_DENIED,
                                     MSD_ERROR_NAME_PREFIX "PermissionDenied"},
    [MSD_ERROR_INVALID_ARGS] = {MSD_ERROR_INVALID_ARGS, MSD_ERROR_NAME_PREFIX "InvalidArgs"},
    [MSD_ERROR_NOT_SUPPORTED] = {MSD_ERROR_NOT_SUPPORTED, MSD_ERROR_NAME_PREFIX "NotSupported"},
    [MSD_ERROR_CONFIG] = {MSD_ERROR_CONFIG, MSD_ERROR_NAME_PREFIX "Config"},
};

/* One row per code: a new code without a name (or a name past the last code)
 * does not compile. A row left out in the middle would leave a NULL name,
 * which test-daemon-config checks for every code. */
G_STATIC_ASSERT(G_N_ELEMENTS(msd_error_entries) == MSD_ERROR_N_CODES);

GQuark msd_error_quark(void)
{
    static gsize quark = 0;
    g_dbus_error_register_error_domain("msd-error-quark", &quark, msd_error_entries,
                                       G_N_ELEMENTS(msd_error_entries));
    return (GQuark)quark;
}

const char *msd_error_dbus_name(MsdError code)
{
    if ((guint)code >= G_N_ELEMENTS(msd_error_entries))
        return NULL;
    return msd_error_entries[code].dbus_error_name;
}

gboolean msd_error_from_dbus_name(const char *name, MsdError *code)
{
    for (gsize i = 0; name && i < G_N_ELEMENTS(msd_error_entries); i++) {
        if (g_str_equal(name, msd_error_entries[i].dbus_error_name)) {
            *code = (MsdError)msd_error_entries[i].error_code;
            return TRUE;
        }
    }
    return FALSE;
}
