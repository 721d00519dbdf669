/* Lovense-style ASCII commands over the Nordic UART service.
 *
 * Known (docs.buttplug.io stpihkal/protocols/lovense, lovesense-py's
 * protocol notes): commands and replies are ASCII words ending in ';',
 * arguments separated by ':'. "Vibrate:N;" sets the level, N 0..20, and is
 * answered "OK;"; "Battery;" is answered with the percentage, "85;";
 * "DeviceType;" with type letter, firmware and MAC, "C:11:0082059AD3BD;".
 * Second-generation toys (names "LVS-...") use the Nordic UART service
 * 6e400001, writing 6e400002 and notifying 6e400003.
 *
 * Decided here: intensity p % is level round(p / 5) (so 1 % is level 0,
 * stopped; 3 % is level 1); START without a value is level 1; STATUS asks
 * "DeviceType;" because the device has no state report and the answer
 * proves it is alive; "ERR;" is read as a device error (code 1); writes go
 * WITH response so a stop can never be overtaken by an older level. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/driver-values.h"

#define NAME      "lovense"
#define LEVEL_MAX 20
/* Longer than any known reply (DeviceType is 18 bytes); a flood of text is
 * refused rather than truncated. */
#define MAX_TEXT 32

static void add_text(GPtrArray *frames, const char *text)
{
    g_ptr_array_add(frames, g_bytes_new(text, strlen(text)));
}

static void add_level(GPtrArray *frames, guint level)
{
    char buf[16];
    g_snprintf(buf, sizeof buf, "Vibrate:%u;", level);
    add_text(frames, buf);
}

static gboolean lv_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                          GPtrArray *frames, GError **error)
{
    (void)seq;
    double percent;
    gboolean start_default;
    guint level;
    switch (cmd->kind) {
    case MP_CMD_START:
    case MP_CMD_INTENSITY:
        if (!mp_value_start_percent(driver, cmd, &percent, &start_default, error))
            return FALSE;
        level = start_default ? 1 : (guint)lround(percent / 5.0);
        add_level(frames, level);
        return TRUE;
    case MP_CMD_STOP:
        add_level(frames, 0);
        return TRUE;
    case MP_CMD_SPEED:
        if (!mp_value_whole(driver, cmd, driver->speed_min, driver->speed_max, "level", &level,
                            error))
            return FALSE;
        add_level(frames, level);
        return TRUE;
    case MP_CMD_STATUS:
        add_text(frames, "DeviceType;");
        return TRUE;
    case MP_CMD_BATTERY:
        add_text(frames, "Battery;");
        return TRUE;
    case MP_CMD_MODE:
        return mp_value_unsupported(driver, cmd, "the vibration has no documented modes", error);
    case MP_CMD_KEEPALIVE:
        return mp_value_unsupported(driver, cmd, "the device needs no keepalive", error);
    }
    return mp_value_unsupported(driver, cmd, "unknown command", error);
}

#define bad(error, code, ...) mp_fail(error, NAME, code, __VA_ARGS__)

/* Copies printable-ASCII text ending in ';' into `buf` without the ';'. */
static gboolean take_text(const guint8 *data, gsize len, const char *what, char *buf,
                          GError **error)
{
    if (!data || len < 2)
        return bad(error, MP_ERROR_INVALID, "%s of %zu bytes is truncated", what, data ? len : 0);
    if (len > MAX_TEXT)
        return bad(error, MP_ERROR_INVALID, "%s of %zu bytes is oversized (at most %d)", what, len,
                   MAX_TEXT);
    for (gsize i = 0; i < len; i++) {
        if (data[i] < 0x20 || data[i] > 0x7E)
            return bad(error, MP_ERROR_INVALID, "%s byte %zu is 0x%02x, not printable ASCII", what,
                       i, data[i]);
    }
    if (data[len - 1] != ';')
        return bad(error, MP_ERROR_INVALID, "%s '%.*s' does not end in ';' (truncated?)", what,
                   (int)len, (const char *)data);
    if (memchr(data, ';', len - 1))
        return bad(error, MP_ERROR_INVALID, "%s '%.*s' holds more than one message", what, (int)len,
                   (const char *)data);
    memcpy(buf, data, len - 1);
    buf[len - 1] = '\0';
    return TRUE;
}

static gboolean all_digits(const char *s)
{
    if (!*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isdigit(*s))
            return FALSE;
    return TRUE;
}

/* "C:11:0082059AD3BD": a type letter, firmware digits, a 12-digit MAC. */
static gboolean is_device_type(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, ":", -1);
    if (g_strv_length(parts) != 3)
        return FALSE;
    if (strlen(parts[0]) < 1 || !g_ascii_isalpha(parts[0][0]) || !all_digits(parts[1]))
        return FALSE;
    if (strlen(parts[2]) != 12)
        return FALSE;
    for (const char *p = parts[2]; *p; p++)
        if (!g_ascii_isxdigit(*p))
            return FALSE;
    return TRUE;
}

static gboolean lv_decode(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                          gsize len, MpReading *out, GError **error)
{
    if (char_uuid && !mp_uuid_equal(char_uuid, driver->notify_uuid))
        return bad(error, MP_ERROR_UNSUPPORTED, "characteristic %s carries no readings", char_uuid);
    char text[MAX_TEXT];
    if (!take_text(data, len, "reply", text, error))
        return FALSE;
    if (g_str_equal(text, "OK")) {
        out->fields |= MP_READING_ACK;
        out->ack_status = 0;
        return TRUE;
    }
    if (g_str_equal(text, "ERR")) {
        out->fields |= MP_READING_ERROR;
        out->error_code = 1;
        return TRUE;
    }
    if (all_digits(text)) {
        if (strlen(text) > 3 || atoi(text) > 100)
            return bad(error, MP_ERROR_INVALID, "battery reply '%s;' is not a percentage 0..100",
                       text);
        out->fields |= MP_READING_BATTERY;
        out->battery = (guint)atoi(text);
        return TRUE;
    }
    if (is_device_type(text)) {
        out->fields |= MP_READING_INFO;
        g_strlcpy(out->info, text, sizeof out->info);
        return TRUE;
    }
    return bad(error, MP_ERROR_INVALID, "unknown reply '%s;'", text);
}

static gboolean lv_parse_command(const MpDriver *driver, const guint8 *data, gsize len,
                                 MpCommand *out, guint8 *seq, GError **error)
{
    *seq = 0;
    char text[MAX_TEXT];
    if (!take_text(data, len, "command", text, error))
        return FALSE;
    if (g_str_equal(text, "Battery")) {
        *out = (MpCommand){.kind = MP_CMD_BATTERY};
        return TRUE;
    }
    if (g_str_equal(text, "DeviceType")) {
        *out = (MpCommand){.kind = MP_CMD_STATUS};
        return TRUE;
    }
    if (g_str_has_prefix(text, "Vibrate:")) {
        const char *n = text + strlen("Vibrate:");
        if (!all_digits(n) || strlen(n) > 2)
            return bad(error, MP_ERROR_INVALID, "'%s;' has no level 0..%d", text, LEVEL_MAX);
        guint level = (guint)atoi(n);
        if (level > driver->speed_max)
            return bad(error, MP_ERROR_RANGE, "level %u is above %u", level, driver->speed_max);
        *out = (MpCommand){.kind = level ? MP_CMD_SPEED : MP_CMD_STOP, .value = level};
        return TRUE;
    }
    return bad(error, MP_ERROR_INVALID, "unknown command '%s;'", text);
}

/* One reply per call: device type (INFO), battery, an error, or "OK;". */
static GBytes *lv_encode_reading(const MpDriver *driver, const MpReading *r, GError **error)
{
    (void)driver;
    char buf[MAX_TEXT + 1];
    if (r->fields & MP_READING_INFO) {
        if (!is_device_type(r->info)) {
            bad(error, MP_ERROR_INVALID, "'%s' is not a device type like C:11:0082059AD3BD",
                r->info);
            return NULL;
        }
        g_snprintf(buf, sizeof buf, "%s;", r->info);
    } else if (r->fields & MP_READING_BATTERY) {
        if (r->battery > 100) {
            bad(error, MP_ERROR_RANGE, "battery %u%% is above 100%%", r->battery);
            return NULL;
        }
        g_snprintf(buf, sizeof buf, "%u;", r->battery);
    } else if (r->fields & MP_READING_ERROR) {
        g_strlcpy(buf, "ERR;", sizeof buf);
    } else if (r->fields & MP_READING_ACK) {
        g_strlcpy(buf, "OK;", sizeof buf);
    } else {
        bad(error, MP_ERROR_UNSUPPORTED,
            "the device reports only its type, battery, OK and errors");
        return NULL;
    }
    return g_bytes_new(buf, strlen(buf));
}

MpDriver *mp_driver_lovense_new(void)
{
    static const char *const names[] = {"LVS-*", NULL};
    static const MpDriverSpec spec = {
        .name = NAME,
        .description = "Lovense-style ASCII (Vibrate:N;) over the Nordic UART service",
        .kind = MP_KIND_VIBRATION,
        .name_patterns = names,
        .service_uuid = "6e400001-b5a3-f393-e0a9-e50e24dcca9e",
        .write_uuid = "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
        .notify_uuid = "6e400003-b5a3-f393-e0a9-e50e24dcca9e",
        .write_type = MP_WRITE_WITH_RESPONSE,
        .min_gap_ms = 50,
        .keepalive_ms = 0,
        .speed_min = 0,
        .speed_max = LEVEL_MAX,
        .speed_unit = "level",
        .uses_seq = FALSE,
        .encode = lv_encode,
        .decode = lv_decode,
        .parse_command = lv_parse_command,
        .encode_reading = lv_encode_reading,
    };
    return mp_driver_new_from_spec(&spec);
}
