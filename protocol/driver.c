/* The driver object and the helpers every driver shares. */
#include <string.h>

#include "protocol/driver.h"

static const char *const kind_names[] = {
    [MP_KIND_PERCUSSION] = "percussion",
    [MP_KIND_VIBRATION] = "vibration",
    [MP_KIND_ANY] = "any",
};

const char *mp_device_kind_to_string(MpDeviceKind kind)
{
    return (gsize)kind < G_N_ELEMENTS(kind_names) ? kind_names[kind] : "unknown";
}

gboolean mp_device_kind_from_string(const char *s, MpDeviceKind *out)
{
    for (gsize i = 0; i < G_N_ELEMENTS(kind_names); i++) {
        if (g_str_equal(s, kind_names[i])) {
            *out = (MpDeviceKind)i;
            return TRUE;
        }
    }
    return FALSE;
}

static const char *const command_names[] = {
    [MP_CMD_START] = "start",         [MP_CMD_STOP] = "stop",
    [MP_CMD_INTENSITY] = "intensity", [MP_CMD_SPEED] = "speed",
    [MP_CMD_MODE] = "mode",           [MP_CMD_STATUS] = "status",
    [MP_CMD_KEEPALIVE] = "keepalive", [MP_CMD_BATTERY] = "battery",
};

const char *mp_command_kind_to_string(MpCommandKind kind)
{
    return (gsize)kind < G_N_ELEMENTS(command_names) ? command_names[kind] : "unknown";
}

gboolean mp_command_kind_from_string(const char *s, MpCommandKind *out)
{
    for (gsize i = 0; i < G_N_ELEMENTS(command_names); i++) {
        if (g_str_equal(s, command_names[i])) {
            *out = (MpCommandKind)i;
            return TRUE;
        }
    }
    return FALSE;
}

guint mp_silence_limit_ms(guint keepalive_ms, guint device_watchdog_ms)
{
    if (!keepalive_ms)
        return 0;
    guint shortest = keepalive_ms * 2;
    if (!device_watchdog_ms)
        return shortest;
    return MAX(shortest, device_watchdog_ms - device_watchdog_ms / 6);
}

char *mp_reading_to_string(const MpReading *r)
{
    GString *s = g_string_new(NULL);
#define SEP() (s->len ? " " : "")
    if (r->fields & MP_READING_RUNNING)
        g_string_append_printf(s, "%srunning=%s", SEP(), r->running ? "yes" : "no");
    if (r->fields & MP_READING_INTENSITY)
        g_string_append_printf(s, "%sintensity=%g", SEP(), r->intensity);
    if (r->fields & MP_READING_SPEED)
        g_string_append_printf(s, "%sspeed=%u", SEP(), r->speed);
    if (r->fields & MP_READING_BATTERY)
        g_string_append_printf(s, "%sbattery=%u", SEP(), r->battery);
    if (r->fields & MP_READING_FORCE)
        g_string_append_printf(s, "%sforce=%g", SEP(), r->force);
    if (r->fields & MP_READING_ERROR)
        g_string_append_printf(s, "%serror=%u", SEP(), r->error_code);
    if (r->fields & MP_READING_STOPPED)
        g_string_append_printf(s, "%sstopped=yes", SEP());
    if (r->fields & MP_READING_ACK)
        g_string_append_printf(s, "%sack_seq=%u ack_status=%u", SEP(), r->ack_seq, r->ack_status);
    if (r->fields & MP_READING_INFO)
        g_string_append_printf(s, "%sinfo=%s", SEP(), r->info);
#undef SEP
    return g_string_free(s, FALSE);
}

MpDriver *mp_driver_new(void)
{
    MpDriver *d = g_new0(MpDriver, 1);
    d->ref_count = 1;
    d->name_patterns = g_new0(char *, 1);
    d->read_uuids = g_new0(char *, 1);
    return d;
}

MpDriver *mp_driver_new_from_spec(const MpDriverSpec *spec)
{
    MpDriver *d = mp_driver_new();
    d->name = g_strdup(spec->name);
    d->description = g_strdup(spec->description);
    d->origin = g_strdup("built-in");
    d->kind = spec->kind;
    if (spec->name_patterns) {
        g_strfreev(d->name_patterns);
        d->name_patterns = g_strdupv((char **)spec->name_patterns);
    }
    d->service_uuid = mp_uuid_normalise(spec->service_uuid, NULL);
    d->write_uuid = mp_uuid_normalise(spec->write_uuid, NULL);
    d->notify_uuid = spec->notify_uuid ? mp_uuid_normalise(spec->notify_uuid, NULL) : NULL;
    if (spec->read_uuids) {
        g_strfreev(d->read_uuids);
        d->read_uuids = g_strdupv((char **)spec->read_uuids);
    }
    d->write_type = spec->write_type;
    d->min_gap_ms = spec->min_gap_ms;
    d->keepalive_ms = spec->keepalive_ms;
    d->speed_min = spec->speed_min;
    d->speed_max = spec->speed_max;
    d->speed_unit = g_strdup(spec->speed_unit);
    d->uses_seq = spec->uses_seq;
    d->reports_changes = spec->reports_changes;
    d->encode = spec->encode;
    d->decode = spec->decode;
    d->parse_command = spec->parse_command;
    d->encode_reading = spec->encode_reading;
    /* A typo in a built-in's UUID is a programming error, not input. */
    g_assert(d->service_uuid && d->write_uuid && (d->notify_uuid || !spec->notify_uuid));
    return d;
}

MpDriver *mp_driver_ref(MpDriver *driver)
{
    g_atomic_int_inc(&driver->ref_count);
    return driver;
}

void mp_driver_unref(MpDriver *d)
{
    if (!d || !g_atomic_int_dec_and_test(&d->ref_count))
        return;
    if (d->priv_free)
        d->priv_free(d->priv);
    g_free(d->name);
    g_free(d->description);
    g_free(d->origin);
    g_strfreev(d->name_patterns);
    g_free(d->service_uuid);
    g_free(d->write_uuid);
    g_free(d->notify_uuid);
    g_strfreev(d->read_uuids);
    g_free(d->speed_unit);
    g_free(d);
}

gboolean mp_driver_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                          GPtrArray *frames, GError **error)
{
    g_return_val_if_fail(driver && cmd && frames, FALSE);
    if (cmd->value != cmd->value) { /* NaN never reaches a device */
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %s: value is not a number", driver->name,
                    mp_command_kind_to_string(cmd->kind));
        return FALSE;
    }
    return driver->encode(driver, cmd, seq, frames, error);
}

gboolean mp_driver_decode(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                          gsize len, MpReading *out, GError **error)
{
    g_return_val_if_fail(driver && out, FALSE);
    memset(out, 0, sizeof *out);
    if (!driver->decode) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: the device sends no readings",
                    driver->name);
        return FALSE;
    }
    return driver->decode(driver, char_uuid, data, len, out, error);
}

gboolean mp_driver_parse_command(const MpDriver *driver, const guint8 *data, gsize len,
                                 MpCommand *out, guint8 *seq, GError **error)
{
    guint8 dummy_seq = 0;
    if (!driver->parse_command) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: cannot parse written frames",
                    driver->name);
        return FALSE;
    }
    return driver->parse_command(driver, data, len, out, seq ? seq : &dummy_seq, error);
}

GBytes *mp_driver_encode_reading(const MpDriver *driver, const MpReading *reading, GError **error)
{
    if (!driver->encode_reading) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: the device sends no readings",
                    driver->name);
        return NULL;
    }
    return driver->encode_reading(driver, reading, error);
}

guint mp_driver_match_score(const MpDriver *driver, const char *adv_name,
                            const char *const *service_uuids)
{
    guint score = 0;
    gboolean name_matched = FALSE;
    if (driver->service_uuid && service_uuids) {
        for (const char *const *u = service_uuids; *u; u++) {
            if (mp_uuid_equal(*u, driver->service_uuid)) {
                score += 2;
                break;
            }
        }
    }
    if (adv_name && driver->name_patterns) {
        /* Devices vary the case of their names between firmware versions. */
        g_autofree char *name = g_utf8_casefold(adv_name, -1);
        for (char **p = driver->name_patterns; *p && !name_matched; p++) {
            g_autofree char *pattern = g_utf8_casefold(*p, -1);
            name_matched = g_pattern_match_simple(pattern, name);
        }
    }
    if (name_matched)
        return score + 1;
    return driver->name_patterns && driver->name_patterns[0] ? 0 : score;
}

#define BASE_UUID_TAIL "-0000-1000-8000-00805f9b34fb"

/* Hyphens of the 36-character form sit exactly here and nowhere else. */
static gboolean is_hyphen_position(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

char *mp_uuid_normalise(const char *uuid, GError **error)
{
    if (!uuid) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "no UUID given");
        return NULL;
    }
    g_autofree char *s = g_ascii_strdown(uuid, -1);
    g_strstrip(s);
    const char *p = s;
    if (g_str_has_prefix(p, "0x"))
        p += 2;
    size_t n = strlen(p);
    gboolean hex = n > 0;
    for (size_t i = 0; i < n; i++) {
        if (n == 36 && is_hyphen_position(i))
            hex = hex && p[i] == '-';
        else if (!g_ascii_isxdigit(p[i]))
            hex = FALSE;
    }
    if (hex && (n == 4 || n == 8))
        return g_strdup_printf("%s%s" BASE_UUID_TAIL, n == 4 ? "0000" : "", p);
    if (hex && n == 36)
        return g_strdup(p);
    if (hex && n == 32)
        return g_strdup_printf("%.8s-%.4s-%.4s-%.4s-%.12s", p, p + 8, p + 12, p + 16, p + 20);
    g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                "'%s' is not a UUID (expected 16-bit like 180f or 128-bit like "
                "6e400001-b5a3-f393-e0a9-e50e24dcca9e)",
                uuid);
    return NULL;
}

gboolean mp_uuid_equal(const char *a, const char *b)
{
    if (!a || !b)
        return FALSE;
    g_autofree char *na = mp_uuid_normalise(a, NULL);
    g_autofree char *nb = mp_uuid_normalise(b, NULL);
    return na && nb && g_str_equal(na, nb);
}

char *mp_hex_format(const guint8 *data, gsize len)
{
    GString *s = g_string_sized_new(len * 3);
    for (gsize i = 0; i < len; i++)
        g_string_append_printf(s, i ? " %02x" : "%02x", data[i]);
    return g_string_free(s, FALSE);
}

GBytes *mp_hex_parse(const char *text, GError **error)
{
    if (!text) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "no bytes given");
        return NULL;
    }
    g_autoptr(GByteArray) out = g_byte_array_new();
    g_auto(GStrv) tokens = g_strsplit_set(text, " \t\r\n:,", -1);
    for (char **t = tokens; *t; t++) {
        const char *p = *t;
        if (!*p)
            continue;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        size_t n = strlen(p);
        if (n == 0) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "'%s' has no hex digits", *t);
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            if (!g_ascii_isxdigit(p[i])) {
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "'%s' is not hex: '%c' is not a hex digit", *t,
                            g_ascii_isprint(p[i]) ? p[i] : '?');
                return NULL;
            }
        }
        if (n % 2) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "'%s' is not hex bytes: it has an odd number of digits", *t);
            return NULL;
        }
        for (size_t i = 0; i < n; i += 2) {
            guint8 b = (guint8)(g_ascii_xdigit_value(p[i]) << 4 | g_ascii_xdigit_value(p[i + 1]));
            g_byte_array_append(out, &b, 1);
        }
    }
    if (out->len == 0) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "no bytes given");
        return NULL;
    }
    return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}
