/* The reference protocol (docs/protocol.md): the project's own, for device
 * makers. Frames are VER OP SEQ LEN PAYLOAD CRC16, little-endian, at most 20
 * bytes so they fit the default ATT MTU. Both sides are here: the host's
 * encode/decode and the device's parse_command/encode_reading, so the
 * simulator speaks exactly what the spec says. */
#include <math.h>
#include <string.h>

#include "protocol/checksum.h"
#include "protocol/driver-values.h"
#include "protocol/reference.h"

#define NAME "reference"

static const struct {
    guint code;
    const char *name;
} status_names[] = {
    {MP_REF_OK, "ok"},
    {MP_REF_ERR_BAD_CRC, "bad-crc"},
    {MP_REF_ERR_BAD_LENGTH, "bad-length"},
    {MP_REF_ERR_UNKNOWN_OPCODE, "unknown-opcode"},
    {MP_REF_ERR_OUT_OF_RANGE, "out-of-range"},
    {MP_REF_ERR_STALE, "stale"},
    {MP_REF_ERR_VERSION, "version"},
    {MP_REF_ERR_INHIBITED, "inhibited"},
    {MP_REF_ERR_WATCHDOG, "watchdog"},
    {MP_REF_ERR_OVERHEAT, "overheat"},
    {MP_REF_ERR_LOW_BATTERY, "low-battery"},
    {MP_REF_ERR_MOTOR_FAULT, "motor-fault"},
    {MP_REF_ERR_USER_STOP, "user-stop"},
};

const char *mp_reference_status_to_string(guint code)
{
    for (gsize i = 0; i < G_N_ELEMENTS(status_names); i++)
        if (status_names[i].code == code)
            return status_names[i].name;
    return "unknown";
}

gboolean mp_reference_seq_is_newer(guint8 seq, guint8 last)
{
    guint8 diff = (guint8)(seq - last);
    return diff >= 1 && diff <= 127;
}

void mp_reference_seq_reset(MpRefSeqWindow *window)
{
    window->have_last = FALSE;
    window->last = 0;
}

guint8 mp_reference_seq_accept(MpRefSeqWindow *w, MpCommandKind kind, guint8 seq)
{
    gboolean newer = !w->have_last || mp_reference_seq_is_newer(seq, w->last);
    switch (kind) {
    case MP_CMD_STATUS:
    case MP_CMD_KEEPALIVE:
    case MP_CMD_BATTERY:
        return MP_REF_OK;
    case MP_CMD_STOP:
        break; /* stopping is always safe */
    default:
        if (!newer)
            return MP_REF_ERR_STALE;
        break;
    }
    if (newer) {
        w->have_last = TRUE;
        w->last = seq;
    }
    return MP_REF_OK;
}

static void put_le16(guint8 *p, guint16 v)
{
    p[0] = (guint8)(v & 0xFF);
    p[1] = (guint8)(v >> 8);
}

static guint16 get_le16(const guint8 *p)
{
    return (guint16)(p[0] | p[1] << 8);
}

GBytes *mp_reference_frame_build(guint8 opcode, guint8 seq, const guint8 *payload, gsize len)
{
    g_return_val_if_fail(len <= MP_REF_MAX_PAYLOAD, NULL);
    guint8 f[MP_REF_MAX_FRAME];
    f[0] = MP_REF_VERSION_MAJOR;
    f[1] = opcode;
    f[2] = seq;
    f[3] = (guint8)len;
    if (len)
        memcpy(f + MP_REF_HEADER_LEN, payload, len);
    gsize body = MP_REF_HEADER_LEN + len;
    put_le16(f + body, mp_crc16_ccitt(f, body));
    return g_bytes_new(f, body + MP_REF_CRC_LEN);
}

static gboolean fail(GError **error, guint8 *status, guint8 code, gint domain_code, const char *fmt,
                     ...) G_GNUC_PRINTF(5, 6);

static gboolean fail(GError **error, guint8 *status, guint8 code, gint domain_code, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (status)
        *status = code;
    g_set_error(error, MP_ERROR, domain_code, NAME ": %s", msg);
    return FALSE;
}

gboolean mp_reference_frame_parse(const guint8 *data, gsize len, MpRefFrame *out, guint8 *status,
                                  GError **error)
{
    if (!data || len < MP_REF_MIN_FRAME)
        return fail(error, status, MP_REF_ERR_BAD_LENGTH, MP_ERROR_INVALID,
                    "frame of %zu bytes is truncated (a frame has at least %d)", data ? len : 0,
                    MP_REF_MIN_FRAME);
    if (len > MP_REF_MAX_FRAME)
        return fail(error, status, MP_REF_ERR_BAD_LENGTH, MP_ERROR_INVALID,
                    "frame of %zu bytes is oversized (a frame has at most %d)", len,
                    MP_REF_MAX_FRAME);
    /* CRC first: a corrupted frame says nothing reliable about its fields. */
    guint16 want = mp_crc16_ccitt(data, len - MP_REF_CRC_LEN);
    guint16 got = get_le16(data + len - MP_REF_CRC_LEN);
    if (want != got)
        return fail(error, status, MP_REF_ERR_BAD_CRC, MP_ERROR_CHECKSUM,
                    "CRC mismatch: frame says %04x, bytes give %04x", got, want);
    if (data[0] != MP_REF_VERSION_MAJOR)
        return fail(error, status, MP_REF_ERR_VERSION, MP_ERROR_INVALID,
                    "protocol version %u is not supported (this is version %d)", data[0],
                    MP_REF_VERSION_MAJOR);
    if ((gsize)data[3] + MP_REF_MIN_FRAME != len)
        return fail(error, status, MP_REF_ERR_BAD_LENGTH, MP_ERROR_INVALID,
                    "LEN byte says %u payload bytes but the frame of %zu bytes carries %zu",
                    data[3], len, len - MP_REF_MIN_FRAME);
    out->version = data[0];
    out->opcode = data[1];
    out->seq = data[2];
    out->len = data[3];
    out->payload = data + MP_REF_HEADER_LEN;
    if (status)
        *status = MP_REF_OK;
    return TRUE;
}

/* ---- host side: commands to frames ---- */

static void add_frame(GPtrArray *frames, guint8 op, guint8 seq, const guint8 *payload, gsize len)
{
    g_ptr_array_add(frames, mp_reference_frame_build(op, seq, payload, len));
}

static gboolean ref_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                           GPtrArray *frames, GError **error)
{
    double percent;
    guint whole;
    guint8 p[2];

    switch (cmd->kind) {
    case MP_CMD_START:
    case MP_CMD_INTENSITY:
        if (!mp_value_percent(driver, cmd, &percent, error))
            return FALSE;
        /* Whole percent on the wire; rounding is not clamping. */
        p[0] = (guint8)lround(percent);
        add_frame(frames, cmd->kind == MP_CMD_START ? MP_REF_OP_START : MP_REF_OP_INTENSITY, seq, p,
                  1);
        return TRUE;
    case MP_CMD_STOP:
        add_frame(frames, MP_REF_OP_STOP, seq, NULL, 0);
        return TRUE;
    case MP_CMD_SPEED:
        if (!mp_value_whole(driver, cmd, driver->speed_min, driver->speed_max, "device units",
                            &whole, error))
            return FALSE;
        put_le16(p, (guint16)whole);
        add_frame(frames, MP_REF_OP_SPEED, seq, p, 2);
        return TRUE;
    case MP_CMD_MODE:
        if (!mp_value_whole(driver, cmd, 0, 255, "mode number", &whole, error))
            return FALSE;
        p[0] = (guint8)whole;
        add_frame(frames, MP_REF_OP_MODE, seq, p, 1);
        return TRUE;
    case MP_CMD_STATUS:
        add_frame(frames, MP_REF_OP_STATUS_REQ, seq, NULL, 0);
        return TRUE;
    case MP_CMD_KEEPALIVE:
        add_frame(frames, MP_REF_OP_KEEPALIVE, seq, NULL, 0);
        return TRUE;
    case MP_CMD_BATTERY:
        return mp_value_unsupported(driver, cmd,
                                    "read or subscribe Battery Level 0x2a19; STATE frames "
                                    "carry the level too",
                                    error);
    }
    return mp_value_unsupported(driver, cmd, "unknown command", error);
}

/* ---- host side: notifications to readings ---- */

static gboolean need_len(const MpRefFrame *f, guint want, const char *what, guint8 *status,
                         GError **error)
{
    if (f->len == want)
        return TRUE;
    return fail(error, status, MP_REF_ERR_BAD_LENGTH, MP_ERROR_INVALID,
                "%s frame has a %u-byte payload, expected %u", what, f->len, want);
}

static gboolean decode_status_frame(const guint8 *data, gsize len, MpReading *out, GError **error)
{
    MpRefFrame f = {0}; /* -O3 cannot see that parse sets it on success */
    if (!mp_reference_frame_parse(data, len, &f, NULL, error))
        return FALSE;
    const guint8 *p = f.payload;
    switch (f.opcode) {
    case MP_REF_OP_STATE:
        if (!need_len(&f, MP_REF_STATE_LEN, "STATE", NULL, error))
            return FALSE;
        if (p[0] & ~MP_REF_STATE_RUNNING)
            return fail(error, NULL, 0, MP_ERROR_INVALID, "STATE flags 0x%02x set reserved bits",
                        p[0]);
        if (p[1] > 100)
            return fail(error, NULL, 0, MP_ERROR_INVALID, "STATE intensity %u%% is above 100%%",
                        p[1]);
        if (p[5] > 100 && p[5] != MP_REF_BATTERY_UNKNOWN)
            return fail(error, NULL, 0, MP_ERROR_INVALID, "STATE battery %u%% is above 100%%",
                        p[5]);
        out->fields |= MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED;
        out->running = (p[0] & MP_REF_STATE_RUNNING) != 0;
        out->intensity = p[1];
        out->speed = get_le16(p + 2);
        /* p[4] is the mode: MpReading has no field for it yet. */
        if (p[5] != MP_REF_BATTERY_UNKNOWN) {
            out->fields |= MP_READING_BATTERY;
            out->battery = p[5];
        }
        return TRUE;
    case MP_REF_OP_FORCE:
        if (!need_len(&f, MP_REF_FORCE_LEN, "FORCE", NULL, error))
            return FALSE;
        out->fields |= MP_READING_FORCE;
        out->force = get_le16(p) / 10.0;
        return TRUE;
    case MP_REF_OP_ERROR:
        if (!need_len(&f, MP_REF_ERROR_LEN, "ERROR", NULL, error))
            return FALSE;
        out->fields |= MP_READING_ERROR;
        out->error_code = p[0];
        /* §8: 0x10-0x14 say the motor stopped (watchdog, heat, battery,
         * fault, the button). */
        if (p[0] >= MP_REF_ERR_WATCHDOG && p[0] <= MP_REF_ERR_USER_STOP)
            out->fields |= MP_READING_STOPPED;
        return TRUE;
    case MP_REF_OP_ACK:
        if (!need_len(&f, MP_REF_ACK_LEN, "ACK", NULL, error))
            return FALSE;
        out->fields |= MP_READING_ACK;
        out->ack_seq = p[0];
        out->ack_status = p[1];
        return TRUE;
    default:
        if (f.opcode < 0x80)
            return fail(error, NULL, 0, MP_ERROR_INVALID,
                        "opcode 0x%02x is a control opcode, not a notification", f.opcode);
        return fail(error, NULL, 0, MP_ERROR_INVALID, "unknown notification opcode 0x%02x",
                    f.opcode);
    }
}

gboolean mp_reference_parse_capabilities(const guint8 *d, gsize len, MpRefCapabilities *out,
                                         GError **error)
{
    /* 512 is the longest attribute value ATT allows. */
    if (!d || len < MP_REF_CAPABILITIES_LEN)
        return fail(error, NULL, 0, MP_ERROR_INVALID,
                    "Capabilities value of %zu bytes is truncated (at least %d)", d ? len : 0,
                    MP_REF_CAPABILITIES_LEN);
    if (len > 512)
        return fail(error, NULL, 0, MP_ERROR_INVALID,
                    "Capabilities value of %zu bytes is oversized (at most 512)", len);
    MpRefCapabilities c = {
        .version_major = d[0],
        .version_minor = d[1],
        .kind = d[2],
        .features = d[3],
        .speed_min = get_le16(d + 4),
        .speed_max = get_le16(d + 6),
        .speed_unit = d[8],
        .watchdog_ms = get_le16(d + 9),
        .mode_count = d[11],
        .min_gap_ms = d[12],
    };
    if (c.version_major != MP_REF_VERSION_MAJOR)
        return fail(error, NULL, 0, MP_ERROR_INVALID,
                    "Capabilities: protocol version %u.%u is not supported (this is %d.x)",
                    c.version_major, c.version_minor, MP_REF_VERSION_MAJOR);
    if (c.kind > MP_REF_KIND_VIBRATION)
        return fail(error, NULL, 0, MP_ERROR_INVALID, "Capabilities: unknown device kind %u",
                    c.kind);
    if (c.speed_unit > MP_REF_UNIT_HZ)
        return fail(error, NULL, 0, MP_ERROR_INVALID, "Capabilities: unknown speed unit %u",
                    c.speed_unit);
    if ((c.features & MP_REF_FEATURE_SPEED) && (c.speed_min == 0 || c.speed_min > c.speed_max))
        return fail(error, NULL, 0, MP_ERROR_INVALID,
                    "Capabilities: speed range %u..%u is empty or starts at 0", c.speed_min,
                    c.speed_max);
    if ((c.features & MP_REF_FEATURE_MODES) && c.mode_count == 0)
        return fail(error, NULL, 0, MP_ERROR_INVALID,
                    "Capabilities: the modes feature is set but the mode count is 0");
    if (c.watchdog_ms < MP_REF_MIN_WATCHDOG_MS || c.watchdog_ms > MP_REF_MAX_WATCHDOG_MS)
        return fail(error, NULL, 0, MP_ERROR_RANGE,
                    "Capabilities: watchdog timeout %u ms is outside %d..%d ms", c.watchdog_ms,
                    MP_REF_MIN_WATCHDOG_MS, MP_REF_MAX_WATCHDOG_MS);
    *out = c;
    return TRUE;
}

GBytes *mp_reference_encode_capabilities(const MpRefCapabilities *c)
{
    guint8 d[MP_REF_CAPABILITIES_LEN];
    d[0] = c->version_major;
    d[1] = c->version_minor;
    d[2] = c->kind;
    d[3] = c->features;
    put_le16(d + 4, c->speed_min);
    put_le16(d + 6, c->speed_max);
    d[8] = c->speed_unit;
    put_le16(d + 9, c->watchdog_ms);
    d[11] = c->mode_count;
    d[12] = c->min_gap_ms;
    return g_bytes_new(d, sizeof d);
}

static const char *unit_name(guint8 unit)
{
    switch (unit) {
    case MP_REF_UNIT_RPM:
        return "rpm";
    case MP_REF_UNIT_LEVEL:
        return "level";
    case MP_REF_UNIT_HZ:
        return "hz";
    default:
        return "";
    }
}

static gboolean ref_decode(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                           gsize len, MpReading *out, GError **error)
{
    if (!char_uuid || mp_uuid_equal(char_uuid, MP_REF_STATUS_UUID))
        return decode_status_frame(data, len, out, error);
    if (mp_uuid_equal(char_uuid, MP_REF_BATTERY_LEVEL_UUID)) {
        if (!data || len != 1)
            return fail(error, NULL, 0, MP_ERROR_INVALID,
                        "Battery Level value has %zu bytes, expected 1", data ? len : 0);
        if (data[0] > 100)
            return fail(error, NULL, 0, MP_ERROR_INVALID, "Battery Level %u%% is above 100%%",
                        data[0]);
        out->fields |= MP_READING_BATTERY;
        out->battery = data[0];
        return TRUE;
    }
    if (mp_uuid_equal(char_uuid, MP_REF_CAPABILITIES_UUID)) {
        MpRefCapabilities c;
        if (!mp_reference_parse_capabilities(data, len, &c, error))
            return FALSE;
        out->fields |= MP_READING_INFO;
        g_snprintf(out->info, sizeof out->info, "v%u.%u %s speed=%u-%u%s modes=%u watchdog=%ums",
                   c.version_major, c.version_minor,
                   c.kind == MP_REF_KIND_PERCUSSION ? "percussion" : "vibration", c.speed_min,
                   c.speed_max, unit_name(c.speed_unit), c.mode_count, c.watchdog_ms);
        out->watchdog_ms = c.watchdog_ms;
        return TRUE;
    }
    (void)driver;
    return fail(error, NULL, 0, MP_ERROR_UNSUPPORTED, "characteristic %s carries no readings",
                char_uuid);
}

/* ---- device side ---- */

/* The control frames: the command each carries, its payload length and its
 * name in docs/protocol.md. */
typedef struct {
    guint8 opcode;
    MpCommandKind kind;
    guint len;
    const char *what;
} ControlOp;

static const ControlOp control_ops[] = {
    {MP_REF_OP_START, MP_CMD_START, 1, "START"},
    {MP_REF_OP_STOP, MP_CMD_STOP, 0, "STOP"},
    {MP_REF_OP_INTENSITY, MP_CMD_INTENSITY, 1, "INTENSITY"},
    {MP_REF_OP_SPEED, MP_CMD_SPEED, 2, "SPEED"},
    {MP_REF_OP_MODE, MP_CMD_MODE, 1, "MODE"},
    {MP_REF_OP_STATUS_REQ, MP_CMD_STATUS, 0, "STATUS_REQUEST"},
    {MP_REF_OP_KEEPALIVE, MP_CMD_KEEPALIVE, 0, "KEEPALIVE"},
};

gboolean mp_reference_parse_control(const guint8 *data, gsize len, MpCommand *out, guint8 *seq,
                                    guint8 *status, GError **error)
{
    MpRefFrame f = {0}; /* -O3 cannot see that parse sets it on success */
    if (!mp_reference_frame_parse(data, len, &f, status, error))
        return FALSE;
    *seq = f.seq;
    const guint8 *p = f.payload;
    const ControlOp *op = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(control_ops) && !op; i++)
        if (control_ops[i].opcode == f.opcode)
            op = &control_ops[i];
    if (!op)
        return fail(error, status, MP_REF_ERR_UNKNOWN_OPCODE, MP_ERROR_INVALID,
                    "unknown control opcode 0x%02x", f.opcode);
    MpCommand cmd = {.kind = op->kind};
    guint want = op->len;
    const char *what = op->what;
    if (!need_len(&f, want, what, status, error))
        return FALSE;
    if (want == 1)
        cmd.value = p[0];
    else if (want == 2)
        cmd.value = get_le16(p);
    if ((cmd.kind == MP_CMD_START || cmd.kind == MP_CMD_INTENSITY) && cmd.value > 100)
        return fail(error, status, MP_REF_ERR_OUT_OF_RANGE, MP_ERROR_RANGE,
                    "%s %g%% is above 100%%", what, cmd.value);
    *out = cmd;
    if (status)
        *status = MP_REF_OK;
    return TRUE;
}

static gboolean ref_parse_command(const MpDriver *driver, const guint8 *data, gsize len,
                                  MpCommand *out, guint8 *seq, GError **error)
{
    (void)driver;
    return mp_reference_parse_control(data, len, out, seq, NULL, error);
}

/* One notification per call, chosen by the most urgent field present:
 * ACK, then ERROR, then STATE (running/intensity/speed, battery rides
 * along), then FORCE. The header's SEQ byte is reading->ack_seq: in an ACK
 * the acknowledged frame's SEQ, otherwise the SEQ of the last control frame
 * the device applied (informative; hosts do not depend on it). */
static GBytes *ref_encode_reading(const MpDriver *driver, const MpReading *r, GError **error)
{
    (void)driver;
    guint8 p[MP_REF_MAX_PAYLOAD];
    guint8 seq = (guint8)r->ack_seq;
    if (r->fields & MP_READING_ACK) {
        if (r->ack_seq > 255 || r->ack_status > 255) {
            fail(error, NULL, 0, MP_ERROR_RANGE, "ACK seq %u / status %u do not fit a byte",
                 r->ack_seq, r->ack_status);
            return NULL;
        }
        p[0] = (guint8)r->ack_seq;
        p[1] = (guint8)r->ack_status;
        return mp_reference_frame_build(MP_REF_OP_ACK, seq, p, MP_REF_ACK_LEN);
    }
    if (r->fields & MP_READING_ERROR) {
        if (r->error_code > 255) {
            fail(error, NULL, 0, MP_ERROR_RANGE, "error code %u does not fit a byte",
                 r->error_code);
            return NULL;
        }
        p[0] = (guint8)r->error_code;
        p[1] = 0; /* MpReading does not say which opcode; 0 = none */
        return mp_reference_frame_build(MP_REF_OP_ERROR, seq, p, MP_REF_ERROR_LEN);
    }
    if (r->fields & (MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED)) {
        double intensity = (r->fields & MP_READING_INTENSITY) ? r->intensity : 0.0;
        guint speed = (r->fields & MP_READING_SPEED) ? r->speed : 0;
        if (!(intensity >= 0.0 && intensity <= 100.0) || speed > G_MAXUINT16 ||
            ((r->fields & MP_READING_BATTERY) && r->battery > 100)) {
            fail(error, NULL, 0, MP_ERROR_RANGE,
                 "STATE intensity %g%%, speed %u or battery %u%% out of range", intensity, speed,
                 r->battery);
            return NULL;
        }
        gboolean running =
            (r->fields & MP_READING_RUNNING) ? r->running : (intensity > 0.0 || speed > 0);
        p[0] = running ? MP_REF_STATE_RUNNING : 0;
        p[1] = (guint8)lround(intensity);
        put_le16(p + 2, (guint16)speed);
        p[4] = 0; /* mode: not in MpReading */
        p[5] = (r->fields & MP_READING_BATTERY) ? (guint8)r->battery : MP_REF_BATTERY_UNKNOWN;
        return mp_reference_frame_build(MP_REF_OP_STATE, seq, p, MP_REF_STATE_LEN);
    }
    if (r->fields & MP_READING_FORCE) {
        if (!(r->force >= 0.0 && r->force <= G_MAXUINT16 / 10.0)) {
            fail(error, NULL, 0, MP_ERROR_RANGE, "force %g N is outside 0..6553.5 N", r->force);
            return NULL;
        }
        put_le16(p, (guint16)lround(r->force * 10.0));
        return mp_reference_frame_build(MP_REF_OP_FORCE, seq, p, MP_REF_FORCE_LEN);
    }
    fail(error, NULL, 0, MP_ERROR_UNSUPPORTED,
         "no Status frame carries only these fields (battery alone goes on Battery Level "
         "0x2a19, device info in Capabilities)");
    return NULL;
}

MpDriver *mp_driver_reference_new(void)
{
    static const char *const reads[] = {MP_REF_CAPABILITIES_UUID, MP_REF_BATTERY_LEVEL_UUID, NULL};
    static const MpDriverSpec spec = {
        .name = NAME,
        .description = "massaged reference protocol v1 (docs/protocol.md)",
        /* The device's own kind is in Capabilities; percussion is the product's default. */
        .kind = MP_KIND_PERCUSSION,
        .service_uuid = MP_REF_SERVICE_UUID,
        .write_uuid = MP_REF_CONTROL_UUID,
        .notify_uuid = MP_REF_STATUS_UUID,
        .read_uuids = reads,
        /* Without response, so BlueZ offers AcquireWrite; sequence numbers make
         * the reordering of Enhanced ATT harmless. */
        .write_type = MP_WRITE_WITHOUT_RESPONSE,
        .min_gap_ms = MP_REF_DEFAULT_MIN_GAP_MS,
        .keepalive_ms = MP_REF_HOST_KEEPALIVE_MS,
        /* The wire range; the device's own range is in Capabilities and it
         * refuses values outside it with an OUT_OF_RANGE acknowledgement. */
        .speed_min = 0,
        .speed_max = G_MAXUINT16,
        .speed_unit = "device units",
        .uses_seq = TRUE,
        .reports_changes = TRUE,
        .encode = ref_encode,
        .decode = ref_decode,
        .parse_command = ref_parse_command,
        .encode_reading = ref_encode_reading,
    };
    return mp_driver_new_from_spec(&spec);
}
