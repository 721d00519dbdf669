/* Theragun Gen 4 (Pro, Elite, Prime; the Wave rollers differ).
 *
 * What is known (buttplug's stpihkal issue #127 and docs.buttplug.io
 * protocols/theragun, both decompiled from the vendor's app):
 *   - service 0xFFE0, notify 0xFFE1, write 0xFFE2; set speed and status
 *     request are written WITH response, the version request without;
 *   - requests start 0xAA, replies 0xBB; byte 1 is the low byte of the sum of
 *     bytes 2..end (mp_sum8);
 *   - set speed:      AA cs 01 03 hi lo 03   (RPM, 16-bit big-endian)
 *   - status request: AA cs 10 00            (= AA 10 10 00)
 *   - version request AA 20 20 00
 *   - status reply:   BB cs 10 .. with byte 4 = running, bytes 13-14 = speed
 *     (big-endian); the app also reads a force value from it, at an offset
 *     the public write-ups cut off, so force is not decoded here;
 *   - version reply:  BB cs 20 .. with bytes 12-13 = version integer,
 *     major = v/100, minor = v/10 % 10, patch = v % 10;
 *   - speed ranges: Pro and Elite 0..3616 RPM, Prime 0..3584 RPM.
 *
 * What is inferred (not in the sources; change it if a capture disagrees):
 *   - there is no separate start or stop frame: stop is "set speed 0", start
 *     is "set speed" to a running RPM;
 *   - byte 3 counts the bytes after it (03 before hi lo 03, 00 after 10 and
 *     20), so replies we build put their own length there; the decoder does
 *     not insist on it because no capture confirms it for replies;
 *   - one driver serves all three models, so its range is the common one,
 *     0..3584 RPM: a Pro asked for 3600 gets MP_ERROR_RANGE, never a Prime
 *     asked for more than it can do;
 *   - START without a value runs at 1750 RPM, the Gen 4 Pro's lowest preset
 *     (the top preset, 2400, is the design's example frame);
 *   - intensity maps linearly onto the whole range: rpm = round(p * 3584 /
 *     100), 0 % = stop. Low percentages give RPMs below the presets; the
 *     programme's intensities, not this driver, decide whether to use them;
 *   - no keepalive, no battery query, no modes are known. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "protocol/checksum.h"
#include "protocol/driver-values.h"

#define NAME              "theragun"
#define REQ               0xAA
#define REPLY             0xBB
#define TYPE_SPEED        0x01
#define TYPE_STATUS       0x10
#define TYPE_VERSION      0x20
#define RPM_MAX           3584
#define RPM_START         1750
#define STATUS_REPLY_LEN  15 /* bytes 13-14 hold the speed */
#define VERSION_REPLY_LEN 14 /* bytes 12-13 hold the version */
#define MAX_FRAME         20 /* one notification at the default ATT MTU */

static GBytes *frame(guint8 head, const guint8 *body, gsize body_len)
{
    guint8 f[MAX_FRAME];
    g_assert(body_len + 2 <= sizeof f);
    f[0] = head;
    f[1] = mp_sum8(body, body_len);
    memcpy(f + 2, body, body_len);
    return g_bytes_new(f, body_len + 2);
}

static GBytes *speed_frame(guint rpm)
{
    const guint8 body[] = {TYPE_SPEED, 0x03, (guint8)(rpm >> 8), (guint8)(rpm & 0xFF), 0x03};
    return frame(REQ, body, sizeof body);
}

static gboolean tg_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                          GPtrArray *frames, GError **error)
{
    (void)seq; /* the protocol has no sequence numbers */
    double percent;
    gboolean start_default;
    guint rpm;
    switch (cmd->kind) {
    case MP_CMD_START:
    case MP_CMD_INTENSITY:
        if (!mp_value_start_percent(driver, cmd, &percent, &start_default, error))
            return FALSE;
        rpm = start_default ? RPM_START : (guint)lround(percent * RPM_MAX / 100.0);
        g_ptr_array_add(frames, speed_frame(rpm));
        return TRUE;
    case MP_CMD_STOP:
        g_ptr_array_add(frames, speed_frame(0));
        return TRUE;
    case MP_CMD_SPEED:
        if (!mp_value_whole(driver, cmd, driver->speed_min, driver->speed_max, "rpm", &rpm, error))
            return FALSE;
        g_ptr_array_add(frames, speed_frame(rpm));
        return TRUE;
    case MP_CMD_STATUS: {
        const guint8 body[] = {TYPE_STATUS, 0x00};
        g_ptr_array_add(frames, frame(REQ, body, sizeof body));
        return TRUE;
    }
    case MP_CMD_MODE:
        return mp_value_unsupported(driver, cmd, "Theragun Gen 4 modes are not documented", error);
    case MP_CMD_KEEPALIVE:
        return mp_value_unsupported(driver, cmd, "the device needs no keepalive", error);
    case MP_CMD_BATTERY:
        return mp_value_unsupported(driver, cmd, "no battery query is documented", error);
    }
    return mp_value_unsupported(driver, cmd, "unknown command", error);
}

#define bad(error, code, ...) mp_fail(error, NAME, code, __VA_ARGS__)

/* Length, header byte and checksum: common to requests and replies. */
static gboolean check_frame(const guint8 *data, gsize len, guint8 head, const char *what,
                            GError **error)
{
    if (!data || len < 4)
        return bad(error, MP_ERROR_INVALID, "%s of %zu bytes is truncated (at least 4)", what,
                   data ? len : 0);
    if (len > MAX_FRAME)
        return bad(error, MP_ERROR_INVALID, "%s of %zu bytes is oversized (at most %d)", what, len,
                   MAX_FRAME);
    if (data[0] != head)
        return bad(error, MP_ERROR_INVALID, "%s starts with 0x%02x, expected 0x%02x", what, data[0],
                   head);
    guint8 sum = mp_sum8(data + 2, len - 2);
    if (sum != data[1])
        return bad(error, MP_ERROR_CHECKSUM,
                   "%s checksum 0x%02x does not match the bytes' sum 0x%02x", what, data[1], sum);
    return TRUE;
}

static gboolean tg_decode(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                          gsize len, MpReading *out, GError **error)
{
    if (char_uuid && !mp_uuid_equal(char_uuid, driver->notify_uuid))
        return bad(error, MP_ERROR_UNSUPPORTED, "characteristic %s carries no readings", char_uuid);
    if (!check_frame(data, len, REPLY, "reply", error))
        return FALSE;
    switch (data[2]) {
    case TYPE_STATUS:
        if (len < STATUS_REPLY_LEN)
            return bad(error, MP_ERROR_INVALID,
                       "status reply of %zu bytes is truncated (speed is in bytes 13-14)", len);
        out->fields |= MP_READING_RUNNING | MP_READING_SPEED;
        out->running = data[4] != 0;
        out->speed = (guint)(data[13] << 8 | data[14]);
        return TRUE;
    case TYPE_VERSION: {
        if (len < VERSION_REPLY_LEN)
            return bad(error, MP_ERROR_INVALID,
                       "version reply of %zu bytes is truncated (version is in bytes 12-13)", len);
        guint v = (guint)(data[12] << 8 | data[13]);
        out->fields |= MP_READING_INFO;
        g_snprintf(out->info, sizeof out->info, "%u.%u.%u", v / 100, v / 10 % 10, v % 10);
        return TRUE;
    }
    default:
        return bad(error, MP_ERROR_INVALID, "unknown reply type 0x%02x", data[2]);
    }
}

static gboolean tg_parse_command(const MpDriver *driver, const guint8 *data, gsize len,
                                 MpCommand *out, guint8 *seq, GError **error)
{
    *seq = 0;
    if (!check_frame(data, len, REQ, "request", error))
        return FALSE;
    switch (data[2]) {
    case TYPE_SPEED: {
        if (len == 4)
            return bad(error, MP_ERROR_UNSUPPORTED,
                       "4-byte set-speed frame is the Wave rollers' level form");
        if (len != 7 || data[3] != 0x03 || data[6] != 0x03)
            return bad(error, MP_ERROR_INVALID,
                       "set-speed request must be AA cs 01 03 hi lo 03 (got %zu bytes)", len);
        guint rpm = (guint)(data[4] << 8 | data[5]);
        if (rpm > driver->speed_max)
            return bad(error, MP_ERROR_RANGE, "speed %u rpm is above %u rpm", rpm,
                       driver->speed_max);
        *out = (MpCommand){.kind = rpm ? MP_CMD_SPEED : MP_CMD_STOP, .value = rpm};
        return TRUE;
    }
    case TYPE_STATUS:
        if (len != 4 || data[3] != 0x00)
            return bad(error, MP_ERROR_INVALID, "status request must be AA 10 10 00");
        *out = (MpCommand){.kind = MP_CMD_STATUS};
        return TRUE;
    case TYPE_VERSION:
        return bad(error, MP_ERROR_UNSUPPORTED,
                   "version request (AA 20 20 00) maps to no command; answer it with a "
                   "version reply");
    default:
        return bad(error, MP_ERROR_INVALID, "unknown request type 0x%02x", data[2]);
    }
}

/* A status reply if the reading says running or speed, else a version reply
 * if it carries version text "major.minor.patch". */
static GBytes *tg_encode_reading(const MpDriver *driver, const MpReading *r, GError **error)
{
    (void)driver;
    if (r->fields & (MP_READING_RUNNING | MP_READING_SPEED)) {
        guint speed = (r->fields & MP_READING_SPEED) ? r->speed : 0;
        if (speed > G_MAXUINT16) {
            bad(error, MP_ERROR_RANGE, "speed %u does not fit 16 bits", speed);
            return NULL;
        }
        gboolean running = (r->fields & MP_READING_RUNNING) ? r->running : speed > 0;
        guint8 body[STATUS_REPLY_LEN - 2] = {TYPE_STATUS, STATUS_REPLY_LEN - 4};
        body[2] = running ? 0x01 : 0x00;
        body[11] = (guint8)(speed >> 8);
        body[12] = (guint8)(speed & 0xFF);
        return frame(REPLY, body, sizeof body);
    }
    if (r->fields & MP_READING_INFO) {
        guint major, minor, patch;
        char tail;
        if (sscanf(r->info, "%u.%u.%u%c", &major, &minor, &patch, &tail) != 3 || minor > 9 ||
            patch > 9 || major > 655) {
            bad(error, MP_ERROR_RANGE,
                "version '%s' is not major.minor.patch with one-digit minor and patch", r->info);
            return NULL;
        }
        guint v = major * 100 + minor * 10 + patch;
        guint8 body[VERSION_REPLY_LEN - 2] = {TYPE_VERSION, VERSION_REPLY_LEN - 4};
        body[10] = (guint8)(v >> 8);
        body[11] = (guint8)(v & 0xFF);
        return frame(REPLY, body, sizeof body);
    }
    bad(error, MP_ERROR_UNSUPPORTED,
        "the device reports only running, speed and its firmware version");
    return NULL;
}

MpDriver *mp_driver_theragun_new(void)
{
    /* 0xFFE0 is the service of every HM-10-style serial module, so the UUID
     * alone must not pick this driver: the name must say Theragun or a model. */
    static const char *const names[] = {"Theragun*", "*Pro", "*Pro *", "*Elite*", "*Prime*", NULL};
    static const MpDriverSpec spec = {
        .name = NAME,
        .description = "Theragun Gen 4 (Pro, Elite, Prime): speed in RPM over 0xFFE0",
        .kind = MP_KIND_PERCUSSION,
        .name_patterns = names,
        .service_uuid = "ffe0",
        .notify_uuid = "ffe1",
        .write_uuid = "ffe2",
        .write_type = MP_WRITE_WITH_RESPONSE,
        /* Writes with response are serialised anyway; 100 ms keeps a slider
         * drag from queueing more than the motor can follow (inferred). */
        .min_gap_ms = 100,
        .keepalive_ms = 0,
        .speed_min = 0,
        .speed_max = RPM_MAX,
        .speed_unit = "rpm",
        .uses_seq = FALSE,
        .encode = tg_encode,
        .decode = tg_decode,
        .parse_command = tg_parse_command,
        .encode_reading = tg_encode_reading,
    };
    return mp_driver_new_from_spec(&spec);
}
