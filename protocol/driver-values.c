#include <math.h>
#include <stdarg.h>

#include "protocol/driver-values.h"

gboolean mp_value_percent(const MpDriver *driver, const MpCommand *cmd, double *out, GError **error)
{
    /* The negated form also refuses NaN. */
    if (!(cmd->value >= 0.0 && cmd->value <= 100.0)) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %s %g%% is outside 0..100%%",
                    driver->name, mp_command_kind_to_string(cmd->kind), cmd->value);
        return FALSE;
    }
    *out = cmd->value;
    return TRUE;
}

gboolean mp_value_start_percent(const MpDriver *driver, const MpCommand *cmd, double *out,
                                gboolean *start_default, GError **error)
{
    if (!mp_value_percent(driver, cmd, out, error))
        return FALSE;
    *start_default = cmd->kind == MP_CMD_START && *out == 0.0;
    return TRUE;
}

gboolean mp_value_whole(const MpDriver *driver, const MpCommand *cmd, guint min, guint max,
                        const char *unit, guint *out, GError **error)
{
    const char *what = mp_command_kind_to_string(cmd->kind);
    if (!(cmd->value >= (double)min && cmd->value <= (double)max)) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %s %g is outside %u..%u %s", driver->name,
                    what, cmd->value, min, max, unit);
        return FALSE;
    }
    if (cmd->value != floor(cmd->value)) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %s %g is not a whole number of %s",
                    driver->name, what, cmd->value, unit);
        return FALSE;
    }
    *out = (guint)cmd->value;
    return TRUE;
}

gboolean mp_value_unsupported(const MpDriver *driver, const MpCommand *cmd, const char *why,
                              GError **error)
{
    g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: no '%s' command: %s", driver->name,
                mp_command_kind_to_string(cmd->kind), why);
    return FALSE;
}

gboolean mp_fail(GError **error, const char *who, gint code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, MP_ERROR, code, "%s: %s", who, msg);
    return FALSE;
}
