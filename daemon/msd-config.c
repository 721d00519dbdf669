#include "daemon/msd-config.h"

#include <string.h>

#include "daemon/msd-error.h"
#include "protocol/text-file.h"
#include "protocol/timespan.h"

void msd_config_init(MsdConfig *config)
{
    memset(config, 0, sizeof(*config));
    mp_safety_limits_init(&config->safety);
    config->reconnect_window_ms = 30000;
    config->backoff_initial_ms = 500;
    config->backoff_max_ms = 8000;
    config->adapter = g_strdup("hci0");
    /* Three years of sessions: what a therapist's records usually need,
     * and far below what SQLite holds quickly. */
    config->history_enabled = TRUE;
    config->history_keep_days = 1095;
    config->history_keep_rows = 50000;
}

void msd_config_clear(MsdConfig *config)
{
    g_clear_pointer(&config->device_dir, g_free);
    g_clear_pointer(&config->adapter, g_free);
}

/* A percentage in 0..ceiling: a config file may only make a limit stricter. */
static gboolean get_percent(const MpConfigSource *s, const char *group, const char *key,
                            double ceiling, double *inout, GError **error)
{
    g_autofree char *raw = mp_config_get(s, group, key);
    if (!raw)
        return TRUE;
    gsize len = strlen(raw);
    if (len > 0 && raw[len - 1] == '%')
        raw[len - 1] = '\0';
    char *end = NULL;
    double v = g_ascii_strtod(raw, &end);
    if (end == raw || *end != '\0' || !(v >= 0))
        return mp_config_error(s, error, group, key, "\"%s\" is not a percentage", raw);
    if (v > ceiling)
        return mp_config_error(s, error, group, key,
                               "%g is above the hard ceiling of %g (limits can only be made "
                               "stricter)",
                               v, ceiling);
    *inout = v;
    return TRUE;
}

/* A duration in floor..ceiling (ceiling 0: the parser's bound only): a
 * config file may only make a limit stricter. `what` words the ceiling. */
static gboolean get_duration(const MpConfigSource *s, const char *group, const char *key,
                             guint64 floor, guint64 ceiling, const char *what, guint64 *inout,
                             GError **error)
{
    guint64 v = 0;
    gboolean present = FALSE;
    if (!mp_config_get_duration(s, group, key, MP_TIMESPAN_MAX_MS, &v, &present, error))
        return FALSE;
    if (!present)
        return TRUE;
    g_autofree char *raw = mp_config_get(s, group, key);
    if (v < floor)
        return mp_config_error(s, error, group, key,
                               "%s is below the hard floor of %" G_GUINT64_FORMAT
                               " ms (limits can only be made stricter)",
                               raw, floor);
    if (ceiling && v > ceiling)
        return mp_config_error(s, error, group, key, "%s is above %s%" G_GUINT64_FORMAT " ms%s",
                               raw, what ? "" : "the hard ceiling of ", ceiling,
                               what ? what : " (limits can only be made stricter)");
    *inout = v;
    return TRUE;
}

/* A whole number in 0..max. */
static gboolean get_uint(const MpConfigSource *s, const char *group, const char *key, guint max,
                         guint *inout, GError **error)
{
    g_autofree char *raw = mp_config_get(s, group, key);
    if (!raw)
        return TRUE;
    guint64 v = 0;
    if (!g_ascii_string_to_unsigned(raw, 10, 0, max, &v, NULL))
        return mp_config_error(s, error, group, key, "\"%s\" is not a whole number from 0 to %u",
                               raw, max);
    *inout = (guint)v;
    return TRUE;
}

static gboolean get_bool(const MpConfigSource *s, const char *group, const char *key,
                         gboolean *inout, GError **error)
{
    g_autofree char *raw = mp_config_get(s, group, key);
    if (!raw)
        return TRUE;
    if (g_str_equal(raw, "true") || g_str_equal(raw, "yes") || g_str_equal(raw, "1"))
        *inout = TRUE;
    else if (g_str_equal(raw, "false") || g_str_equal(raw, "no") || g_str_equal(raw, "0"))
        *inout = FALSE;
    else
        return mp_config_error(s, error, group, key, "\"%s\" is not true or false", raw);
    return TRUE;
}

gboolean msd_config_load_data(MsdConfig *config, const char *text, const char *origin,
                              GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_CONFIG, "%s: %s", origin, local->message);
        return FALSE;
    }
    const MpConfigSource s = {kf, text, origin, MSD_ERROR, MSD_ERROR_CONFIG};
    // clang-format off
    static const char *const groups[] = {"Safety", "Reconnect", "Devices", "Bluetooth", "History", NULL};
    // clang-format on
    static const char *const safety_keys[] = {
        "MaxIntensity",     "MaxSessionTime", "MaxZoneTime",       "MinZoneRest", "MaxMuscleTime",
        "MaxRisePerSecond", "MaxJump",        "MaxStartIntensity", NULL};
    static const char *const reconnect_keys[] = {"Window", "InitialDelay", "MaxDelay", NULL};
    static const char *const devices_keys[] = {"Directory", NULL};
    static const char *const bt_keys[] = {"Adapter", NULL};
    static const char *const history_keys[] = {"Enabled", "KeepDays", "KeepRows", NULL};
    static const char *const *const keys[] = {safety_keys, reconnect_keys, devices_keys, bt_keys,
                                              history_keys};
    if (!mp_config_check_names(&s, groups, keys, error))
        return FALSE;

    MpSafetyLimits ceil;
    mp_safety_limits_init(&ceil);
    MsdConfig next = *config; /* work on a copy: nothing changes on error */

    if (!get_bool(&s, "History", "Enabled", &next.history_enabled, error) ||
        !get_uint(&s, "History", "KeepDays", 100 * 366, &next.history_keep_days, error) ||
        !get_uint(&s, "History", "KeepRows", 10000000, &next.history_keep_rows, error))
        return FALSE;

    if (!get_percent(&s, "Safety", "MaxIntensity", ceil.max_intensity, &next.safety.max_intensity,
                     error) ||
        !get_duration(&s, "Safety", "MaxSessionTime", 0, ceil.max_session_ms, NULL,
                      &next.safety.max_session_ms, error) ||
        !get_duration(&s, "Safety", "MaxZoneTime", 0, ceil.max_zone_ms, NULL,
                      &next.safety.max_zone_ms, error) ||
        !get_duration(&s, "Safety", "MinZoneRest", ceil.min_rest_ms, ceil.max_session_ms,
                      ", longer than any session", &next.safety.min_rest_ms, error) ||
        !get_duration(&s, "Safety", "MaxMuscleTime", 0, ceil.max_muscle_ms, NULL,
                      &next.safety.max_muscle_ms, error) ||
        !get_percent(&s, "Safety", "MaxRisePerSecond", ceil.max_rise_per_s,
                     &next.safety.max_rise_per_s, error) ||
        !get_percent(&s, "Safety", "MaxJump", ceil.max_jump, &next.safety.max_jump, error) ||
        !get_percent(&s, "Safety", "MaxStartIntensity", ceil.max_start_intensity,
                     &next.safety.max_start_intensity, error))
        return FALSE;

    /* Reconnect: bounded so a session never waits forever with a person under it. */
    if (!get_duration(&s, "Reconnect", "Window", 0, 10 * 60 * 1000, NULL, &next.reconnect_window_ms,
                      error) ||
        !get_duration(&s, "Reconnect", "InitialDelay", 0, 60 * 1000, NULL, &next.backoff_initial_ms,
                      error) ||
        !get_duration(&s, "Reconnect", "MaxDelay", 0, 5 * 60 * 1000, NULL, &next.backoff_max_ms,
                      error))
        return FALSE;
    if (next.backoff_initial_ms == 0)
        return mp_config_error(&s, error, "Reconnect", "InitialDelay", "must be above 0");
    if (next.backoff_max_ms < next.backoff_initial_ms)
        return mp_config_error(&s, error, "Reconnect", "MaxDelay",
                               "must not be below InitialDelay");

    g_autofree char *dir = mp_config_get(&s, "Devices", "Directory");
    if (dir && !g_path_is_absolute(dir))
        return mp_config_error(&s, error, "Devices", "Directory", "\"%s\" is not an absolute path",
                               dir);
    g_autofree char *adapter = mp_config_get(&s, "Bluetooth", "Adapter");
    if (adapter) {
        gboolean ok = g_str_has_prefix(adapter, "hci") && adapter[3] != '\0';
        for (const char *c = adapter + 3; ok && *c; c++)
            ok = g_ascii_isdigit(*c);
        if (!ok)
            return mp_config_error(&s, error, "Bluetooth", "Adapter",
                                   "\"%s\" is not an adapter name like hci0", adapter);
    }

    *config = next;
    if (dir) {
        g_free(config->device_dir);
        config->device_dir = g_steal_pointer(&dir);
    }
    if (adapter) {
        g_free(config->adapter);
        config->adapter = g_steal_pointer(&adapter);
    }
    return TRUE;
}

static gboolean parse_text(const char *text, gsize len, const char *source, gpointer config,
                           GError **error)
{
    return msd_config_load_data(config, text, source, error);
}

gboolean msd_config_load(MsdConfig *config, const char *path, gboolean required,
                         const char *dropin_dir, GError **error)
{
    return mp_config_files_load(path, required, dropin_dir, parse_text, config, MSD_ERROR,
                                MSD_ERROR_CONFIG, error);
}
