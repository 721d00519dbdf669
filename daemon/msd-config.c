#include "daemon/msd-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/msd-error.h"
#include "protocol/text-file.h"

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

gboolean msd_parse_duration_ms(const char *text, guint64 *out_ms)
{
    static const struct {
        const char *suffix;
        guint64 ms;
    } units[] = {{"ms", 1}, {"min", 60000}, {"m", 60000}, {"h", 3600000}, {"s", 1000}};
    const char *p = text;
    guint64 total = 0;
    gboolean any = FALSE;

    while (g_ascii_isspace(*p))
        p++;
    if (*p == '\0')
        return FALSE;
    while (*p != '\0' && !g_ascii_isspace(*p)) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        char *end = NULL;
        errno = 0;
        guint64 n = g_ascii_strtoull(p, &end, 10);
        if (errno != 0 || n > G_MAXUINT32)
            return FALSE;
        p = end;
        guint64 unit = 0;
        if (*p == '\0' && !any) {
            unit = 1000; /* a bare number: seconds */
        } else {
            for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
                gsize l = strlen(units[i].suffix);
                if (strncmp(p, units[i].suffix, l) == 0 && !g_ascii_isalpha(p[l])) {
                    unit = units[i].ms;
                    p += l;
                    break;
                }
            }
        }
        if (unit == 0)
            return FALSE;
        total += n * unit;
        any = TRUE;
    }
    while (g_ascii_isspace(*p))
        p++;
    if (*p != '\0')
        return FALSE;
    *out_ms = total;
    return TRUE;
}

static gboolean config_error(GError **error, const char *origin, const char *group, const char *key,
                             const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static gboolean config_error(GError **error, const char *origin, const char *group, const char *key,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (key)
        g_set_error(error, MSD_ERROR, MSD_ERROR_CONFIG, "%s: [%s] %s: %s", origin, group, key, msg);
    else
        g_set_error(error, MSD_ERROR, MSD_ERROR_CONFIG, "%s: [%s]: %s", origin, group, msg);
    return FALSE;
}

/* A percentage in 0..ceiling: a config file may only make a limit stricter. */
static gboolean get_percent(GKeyFile *kf, const char *origin, const char *group, const char *key,
                            double ceiling, double *inout, GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf, group, key, NULL);
    if (!raw)
        return TRUE;
    g_strstrip(raw);
    gsize len = strlen(raw);
    if (len > 0 && raw[len - 1] == '%')
        raw[len - 1] = '\0';
    char *end = NULL;
    double v = g_ascii_strtod(raw, &end);
    if (end == raw || *end != '\0' || !(v >= 0))
        return config_error(error, origin, group, key, "\"%s\" is not a percentage", raw);
    if (v > ceiling)
        return config_error(error, origin, group, key,
                            "%g is above the hard ceiling of %g (limits can only be made "
                            "stricter)",
                            v, ceiling);
    *inout = v;
    return TRUE;
}

/* The key's value in ms; *raw is NULL when the key is absent (nothing to do). */
static gboolean read_duration(GKeyFile *kf, const char *origin, const char *group, const char *key,
                              char **raw, guint64 *v, GError **error)
{
    *raw = g_key_file_get_value(kf, group, key, NULL);
    if (*raw && !msd_parse_duration_ms(*raw, v))
        return config_error(error, origin, group, key,
                            "\"%s\" is not a duration (e.g. 30s, 2min, 1m30s, 500ms)", *raw);
    return TRUE;
}

static gboolean get_duration(GKeyFile *kf, const char *origin, const char *group, const char *key,
                             guint64 ceiling, guint64 *inout, GError **error)
{
    g_autofree char *raw = NULL;
    guint64 v = 0;
    if (!read_duration(kf, origin, group, key, &raw, &v, error))
        return FALSE;
    if (!raw)
        return TRUE;
    if (ceiling && v > ceiling)
        return config_error(error, origin, group, key,
                            "%s is above the hard ceiling of %" G_GUINT64_FORMAT
                            " ms (limits can only be made stricter)",
                            raw, ceiling);
    *inout = v;
    return TRUE;
}

/* A minimum duration: a config file may only make it longer. */
static gboolean get_duration_floor(GKeyFile *kf, const char *origin, const char *group,
                                   const char *key, guint64 floor, guint64 ceiling, guint64 *inout,
                                   GError **error)
{
    g_autofree char *raw = NULL;
    guint64 v = 0;
    if (!read_duration(kf, origin, group, key, &raw, &v, error))
        return FALSE;
    if (!raw)
        return TRUE;
    if (v < floor)
        return config_error(error, origin, group, key,
                            "%s is below the hard floor of %" G_GUINT64_FORMAT
                            " ms (limits can only be made stricter)",
                            raw, floor);
    if (v > ceiling)
        return config_error(error, origin, group, key,
                            "%s is above %" G_GUINT64_FORMAT " ms, longer than any session", raw,
                            ceiling);
    *inout = v;
    return TRUE;
}

/* A whole number in 0..max. */
static gboolean get_uint(GKeyFile *kf, const char *origin, const char *group, const char *key,
                         guint max, guint *inout, GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf, group, key, NULL);
    if (!raw)
        return TRUE;
    g_strstrip(raw);
    guint64 v = 0;
    if (!g_ascii_string_to_unsigned(raw, 10, 0, max, &v, NULL))
        return config_error(error, origin, group, key, "\"%s\" is not a whole number from 0 to %u",
                            raw, max);
    *inout = (guint)v;
    return TRUE;
}

static gboolean get_bool(GKeyFile *kf, const char *origin, const char *group, const char *key,
                         gboolean *inout, GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf, group, key, NULL);
    if (!raw)
        return TRUE;
    g_strstrip(raw);
    if (g_str_equal(raw, "true") || g_str_equal(raw, "yes") || g_str_equal(raw, "1"))
        *inout = TRUE;
    else if (g_str_equal(raw, "false") || g_str_equal(raw, "no") || g_str_equal(raw, "0"))
        *inout = FALSE;
    else
        return config_error(error, origin, group, key, "\"%s\" is not true or false", raw);
    return TRUE;
}

static gboolean check_keys(GKeyFile *kf, const char *origin, const char *group,
                           const char *const *known, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    for (guint i = 0; keys && keys[i]; i++) {
        if (!g_strv_contains(known, keys[i])) {
            g_autofree char *list = g_strjoinv(", ", (char **)known);
            return config_error(error, origin, group, keys[i], "unknown key (known: %s)", list);
        }
    }
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
    // clang-format off
    static const char *const groups[] = {"Safety", "Reconnect", "Devices", "Bluetooth", "History", NULL};
    // clang-format on
    g_auto(GStrv) present = g_key_file_get_groups(kf, NULL);
    for (guint i = 0; present[i]; i++) {
        if (!g_strv_contains(groups, present[i]))
            return config_error(error, origin, present[i], NULL,
                                "unknown group (known: Safety, Reconnect, Devices, Bluetooth, "
                                "History)");
    }

    MpSafetyLimits ceil;
    mp_safety_limits_init(&ceil);
    MsdConfig next = *config; /* work on a copy: nothing changes on error */

    static const char *const safety_keys[] = {
        "MaxIntensity",     "MaxSessionTime", "MaxZoneTime",       "MinZoneRest", "MaxMuscleTime",
        "MaxRisePerSecond", "MaxJump",        "MaxStartIntensity", NULL};
    static const char *const reconnect_keys[] = {"Window", "InitialDelay", "MaxDelay", NULL};
    static const char *const devices_keys[] = {"Directory", NULL};
    static const char *const bt_keys[] = {"Adapter", NULL};
    static const char *const history_keys[] = {"Enabled", "KeepDays", "KeepRows", NULL};
    if (!check_keys(kf, origin, "Safety", safety_keys, error) ||
        !check_keys(kf, origin, "Reconnect", reconnect_keys, error) ||
        !check_keys(kf, origin, "Devices", devices_keys, error) ||
        !check_keys(kf, origin, "Bluetooth", bt_keys, error) ||
        !check_keys(kf, origin, "History", history_keys, error))
        return FALSE;
    if (!get_bool(kf, origin, "History", "Enabled", &next.history_enabled, error) ||
        !get_uint(kf, origin, "History", "KeepDays", 100 * 366, &next.history_keep_days, error) ||
        !get_uint(kf, origin, "History", "KeepRows", 10000000, &next.history_keep_rows, error))
        return FALSE;

    if (!get_percent(kf, origin, "Safety", "MaxIntensity", ceil.max_intensity,
                     &next.safety.max_intensity, error) ||
        !get_duration(kf, origin, "Safety", "MaxSessionTime", ceil.max_session_ms,
                      &next.safety.max_session_ms, error) ||
        !get_duration(kf, origin, "Safety", "MaxZoneTime", ceil.max_zone_ms,
                      &next.safety.max_zone_ms, error) ||
        !get_duration_floor(kf, origin, "Safety", "MinZoneRest", ceil.min_rest_ms,
                            ceil.max_session_ms, &next.safety.min_rest_ms, error) ||
        !get_duration(kf, origin, "Safety", "MaxMuscleTime", ceil.max_muscle_ms,
                      &next.safety.max_muscle_ms, error) ||
        !get_percent(kf, origin, "Safety", "MaxRisePerSecond", ceil.max_rise_per_s,
                     &next.safety.max_rise_per_s, error) ||
        !get_percent(kf, origin, "Safety", "MaxJump", ceil.max_jump, &next.safety.max_jump,
                     error) ||
        !get_percent(kf, origin, "Safety", "MaxStartIntensity", ceil.max_start_intensity,
                     &next.safety.max_start_intensity, error))
        return FALSE;

    /* Reconnect: bounded so a session never waits forever with a person under it. */
    if (!get_duration(kf, origin, "Reconnect", "Window", 10 * 60 * 1000, &next.reconnect_window_ms,
                      error) ||
        !get_duration(kf, origin, "Reconnect", "InitialDelay", 60 * 1000, &next.backoff_initial_ms,
                      error) ||
        !get_duration(kf, origin, "Reconnect", "MaxDelay", 5 * 60 * 1000, &next.backoff_max_ms,
                      error))
        return FALSE;
    if (next.backoff_initial_ms == 0)
        return config_error(error, origin, "Reconnect", "InitialDelay", "must be above 0");
    if (next.backoff_max_ms < next.backoff_initial_ms)
        return config_error(error, origin, "Reconnect", "MaxDelay",
                            "must not be below InitialDelay");

    g_autofree char *dir = g_key_file_get_value(kf, "Devices", "Directory", NULL);
    if (dir && !g_path_is_absolute(g_strstrip(dir)))
        return config_error(error, origin, "Devices", "Directory", "\"%s\" is not an absolute path",
                            dir);
    g_autofree char *adapter = g_key_file_get_value(kf, "Bluetooth", "Adapter", NULL);
    if (adapter) {
        g_strstrip(adapter);
        gboolean ok = g_str_has_prefix(adapter, "hci") && adapter[3] != '\0';
        for (const char *c = adapter + 3; ok && *c; c++)
            ok = g_ascii_isdigit(*c);
        if (!ok)
            return config_error(error, origin, "Bluetooth", "Adapter",
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
    g_autoptr(GError) local = NULL;
    if (mp_config_files_load(path, required, dropin_dir, parse_text, config, &local))
        return TRUE;
    if (local->domain == G_FILE_ERROR) /* reading; the message names the file */
        g_set_error_literal(error, MSD_ERROR, MSD_ERROR_CONFIG, local->message);
    else
        g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
}
