/* The reference protocol against the worked examples of docs/protocol.md.
 * Every byte string here also appears in the spec; if one changes, both do. */
#include "driver-fixture.h"

#include "protocol/checksum.h"
#include "protocol/reference.h"

/* docs/protocol.md, "Worked examples": host to device. */
static void test_encode_every_command(void **state)
{
    const EncodeVector v[] = {
        {MP_CMD_START, 40, 0x01, FRAME(0x01, 0x01, 0x01, 0x01, 0x28, 0x82, 0x6c)},
        {MP_CMD_INTENSITY, 55, 0x02, FRAME(0x01, 0x03, 0x02, 0x01, 0x37, 0x64, 0x3b)},
        {MP_CMD_SPEED, 2400, 0x03, FRAME(0x01, 0x04, 0x03, 0x02, 0x60, 0x09, 0x09, 0xad)},
        {MP_CMD_MODE, 2, 0x04, FRAME(0x01, 0x05, 0x04, 0x01, 0x02, 0xab, 0xc8)},
        {MP_CMD_STOP, 0, 0x05, FRAME(0x01, 0x02, 0x05, 0x00, 0xe1, 0x63)},
        {MP_CMD_STATUS, 0, 0x06, FRAME(0x01, 0x06, 0x06, 0x00, 0x72, 0xea)},
        {MP_CMD_KEEPALIVE, 0, 0x07, FRAME(0x01, 0x07, 0x07, 0x00, 0x73, 0xee)},
        {MP_CMD_STOP, 0, 0x00, FRAME(0x01, 0x02, 0x00, 0x00, 0x14, 0x9c)},
        {MP_CMD_INTENSITY, 30, 0xff, FRAME(0x01, 0x03, 0xff, 0x01, 0x1e, 0x2c, 0x2f)},
    };
    check_encode_vectors(*state, v, G_N_ELEMENTS(v));
}

static void test_encode_rounds_and_edges(void **state)
{
    const EncodeVector v[] = {
        /* START 0: the device's default intensity. */
        {MP_CMD_START, 0, 0x01, FRAME(0x01, 0x01, 0x01, 0x01, 0x00, 0xe8, 0xc9)},
        /* 54.6 % goes out as 55 % (rounding, not clamping). */
        {MP_CMD_INTENSITY, 54.6, 0x02, FRAME(0x01, 0x03, 0x02, 0x01, 0x37, 0x64, 0x3b)},
        {MP_CMD_INTENSITY, 100, 0x02, FRAME(0x01, 0x03, 0x02, 0x01, 0x64, 0xf2, 0x51)},
        {MP_CMD_SPEED, 65535, 0x03, FRAME(0x01, 0x04, 0x03, 0x02, 0xff, 0xff, 0x05, 0x2a)},
    };
    check_encode_vectors(*state, v, G_N_ELEMENTS(v));
}

static void test_encode_refuses_out_of_range(void **state)
{
    const MpDriver *d = *state;
    assert_encode_fails(d, MP_CMD_INTENSITY, 100.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, -1, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, NAN, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, INFINITY, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_START, 101, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 65536, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, -1, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 100.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_MODE, 256, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_MODE, 1.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_BATTERY, 0, MP_ERROR_UNSUPPORTED);
}

/* docs/protocol.md, "Worked examples": device to host. */
static void test_decode_notifications(void **state)
{
    const MpDriver *d = *state;
    g_autoptr(GError) error = NULL;
    MpReading r;

    const guint8 ack[] = {0x01, 0x84, 0x05, 0x02, 0x05, 0x00, 0xb6, 0xcd};
    assert_true(mp_driver_decode(d, MP_REF_STATUS_UUID, ack, sizeof ack, &r, &error));
    assert_int_equal(r.fields, MP_READING_ACK);
    assert_int_equal(r.ack_seq, 5);
    assert_int_equal(r.ack_status, MP_REF_OK);

    const guint8 stale[] = {0x01, 0x84, 0x04, 0x02, 0x04, 0x05, 0x96, 0xd8};
    assert_true(mp_driver_decode(d, MP_REF_STATUS_UUID, stale, sizeof stale, &r, &error));
    assert_int_equal(r.ack_seq, 4);
    assert_int_equal(r.ack_status, MP_REF_ERR_STALE);

    const guint8 state_frame[] = {0x01, 0x81, 0x03, 0x06, 0x01, 0x37,
                                  0x60, 0x09, 0x00, 0x55, 0x34, 0x50};
    assert_true(mp_driver_decode(d, NULL, state_frame, sizeof state_frame, &r, &error));
    assert_int_equal(r.fields, MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED |
                                   MP_READING_BATTERY);
    assert_true(r.running);
    assert_float_equal(r.intensity, 55.0, 1e-9);
    assert_int_equal(r.speed, 2400);
    assert_int_equal(r.battery, 85);

    const guint8 stopped[] = {0x01, 0x81, 0x05, 0x06, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0xff, 0x86, 0x2d};
    assert_true(mp_driver_decode(d, NULL, stopped, sizeof stopped, &r, &error));
    assert_false(r.running);
    assert_false(r.fields & MP_READING_BATTERY); /* 0xff: not measured */

    const guint8 force[] = {0x01, 0x82, 0x03, 0x02, 0x7d, 0x00, 0x5a, 0xa6};
    assert_true(mp_driver_decode(d, NULL, force, sizeof force, &r, &error));
    assert_int_equal(r.fields, MP_READING_FORCE);
    assert_float_equal(r.force, 12.5, 1e-9);

    const guint8 watchdog[] = {0x01, 0x83, 0x05, 0x02, 0x10, 0x00, 0xe4, 0x56};
    assert_true(mp_driver_decode(d, NULL, watchdog, sizeof watchdog, &r, &error));
    /* 0x10-0x14 say the motor stopped by itself (§8): the daemon pauses. */
    assert_int_equal(r.fields, MP_READING_ERROR | MP_READING_STOPPED);
    assert_int_equal(r.error_code, MP_REF_ERR_WATCHDOG);
    assert_string_equal(mp_reference_status_to_string(r.error_code), "watchdog");
}

/* Every stop code, and only those, is a stop of the device's own. */
static void test_decode_stop_codes(void **state)
{
    const MpDriver *d = *state;
    for (guint code = 0x08; code <= 0x20; code++) {
        MpReading in = {.fields = MP_READING_ERROR, .error_code = code};
        g_autoptr(GBytes) frame = mp_driver_encode_reading(d, &in, NULL);
        assert_non_null(frame);
        gsize len = 0;
        const guint8 *data = g_bytes_get_data(frame, &len);
        MpReading r = {0};
        g_autoptr(GError) error = NULL;
        assert_true(mp_driver_decode(d, NULL, data, len, &r, &error));
        gboolean stop = code >= MP_REF_ERR_WATCHDOG && code <= MP_REF_ERR_USER_STOP;
        assert_int_equal(r.fields, MP_READING_ERROR | (stop ? MP_READING_STOPPED : 0));
        assert_int_equal(r.error_code, code);
    }
    assert_true(d->reports_changes);
}

static void test_decode_battery_and_capabilities(void **state)
{
    const MpDriver *d = *state;
    g_autoptr(GError) error = NULL;
    MpReading r;
    const guint8 level[] = {0x55};
    assert_true(mp_driver_decode(d, "2a19", level, 1, &r, &error));
    assert_int_equal(r.fields, MP_READING_BATTERY);
    assert_int_equal(r.battery, 85);
    const guint8 too_full[] = {0x65};
    assert_decode_fails(d, "2a19", too_full, 1, MP_ERROR_INVALID, "above 100");
    const guint8 two[] = {0x55, 0x00};
    assert_decode_fails(d, "2a19", two, 2, MP_ERROR_INVALID, "expected 1");

    /* docs/protocol.md, "Capabilities example". */
    const guint8 caps[] = {0x01, 0x00, 0x00, 0x0b, 0xe8, 0x03, 0x80,
                           0x0c, 0x01, 0xb8, 0x0b, 0x03, 0x14};
    assert_true(mp_driver_decode(d, MP_REF_CAPABILITIES_UUID, caps, sizeof caps, &r, &error));
    assert_int_equal(r.fields, MP_READING_INFO);
    assert_string_equal(r.info, "v1.0 percussion speed=1000-3200rpm modes=3 watchdog=3000ms");
    assert_int_equal(r.watchdog_ms, 3000); /* the silence rule reads it */

    MpRefCapabilities c;
    assert_true(mp_reference_parse_capabilities(caps, sizeof caps, &c, &error));
    assert_int_equal(c.features,
                     MP_REF_FEATURE_SPEED | MP_REF_FEATURE_MODES | MP_REF_FEATURE_BATTERY);
    assert_int_equal(c.speed_min, 1000);
    assert_int_equal(c.speed_max, 3200);
    assert_int_equal(c.watchdog_ms, 3000);
    assert_int_equal(c.min_gap_ms, 20);
    g_autoptr(GBytes) again = mp_reference_encode_capabilities(&c);
    assert_bytes(again, caps, sizeof caps);

    /* A later minor version may append fields. */
    const guint8 longer[] = {0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0xd0, 0x07, 0x00, 0x14, 0xaa, 0xbb};
    assert_true(mp_reference_parse_capabilities(longer, sizeof longer, &c, &error));
    assert_int_equal(c.kind, MP_REF_KIND_VIBRATION);

    assert_decode_fails(d, MP_REF_CAPABILITIES_UUID, caps, 12, MP_ERROR_INVALID, "truncated");
    guint8 bad[sizeof caps];
    memcpy(bad, caps, sizeof bad);
    bad[0] = 2; /* major version 2 */
    assert_decode_fails(d, MP_REF_CAPABILITIES_UUID, bad, sizeof bad, MP_ERROR_INVALID,
                        "version 2.0");
    memcpy(bad, caps, sizeof bad);
    bad[9] = 0xe8, bad[10] = 0x03; /* watchdog 1000 ms: shorter than two keepalives */
    assert_decode_fails(d, MP_REF_CAPABILITIES_UUID, bad, sizeof bad, MP_ERROR_RANGE, "1000 ms");
    memcpy(bad, caps, sizeof bad);
    bad[4] = 0x00, bad[5] = 0x00; /* speed feature with a range starting at 0 */
    assert_decode_fails(d, MP_REF_CAPABILITIES_UUID, bad, sizeof bad, MP_ERROR_INVALID,
                        "speed range");
    memcpy(bad, caps, sizeof bad);
    bad[2] = 7;
    assert_decode_fails(d, MP_REF_CAPABILITIES_UUID, bad, sizeof bad, MP_ERROR_INVALID, "kind");
    assert_decode_fails(d, "2a00", level, 1, MP_ERROR_UNSUPPORTED, "carries no readings");
}

static void test_decode_malformed(void **state)
{
    const MpDriver *d = *state;
    const guint8 ack[] = {0x01, 0x84, 0x05, 0x02, 0x05, 0x00, 0xb6, 0xcd};

    assert_decode_fails(d, NULL, ack, 0, MP_ERROR_INVALID, "truncated");
    assert_decode_fails(d, NULL, NULL, 0, MP_ERROR_INVALID, "truncated");
    assert_decode_fails(d, NULL, ack, 5, MP_ERROR_INVALID, "truncated");
    /* Cut short by two bytes: the last two no longer match as a CRC. */
    assert_decode_fails(d, NULL, ack, 7, MP_ERROR_CHECKSUM, "CRC mismatch");

    guint8 flipped[sizeof ack];
    memcpy(flipped, ack, sizeof ack);
    flipped[4] ^= 0x01;
    assert_decode_fails(d, NULL, flipped, sizeof flipped, MP_ERROR_CHECKSUM, "cdb6");

    guint8 big[21] = {0};
    assert_decode_fails(d, NULL, big, sizeof big, MP_ERROR_INVALID, "oversized");

    /* Well-formed CRC, wrong contents. Built with the spec's own framing. */
    struct {
        guint8 version, op, len;
        const char *needle;
    } cases[] = {
        {0x02, 0x84, 2, "version 2"},
        {0x01, 0x90, 2, "unknown notification opcode 0x90"},
        {0x01, 0x03, 1, "control opcode"},
        {0x01, 0x84, 3, "ACK frame has a 3-byte payload"},
        {0x01, 0x81, 5, "STATE frame has a 5-byte payload"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint8 f[20] = {cases[i].version, cases[i].op, 0x01, cases[i].len};
        gsize n = MP_REF_HEADER_LEN + cases[i].len;
        guint16 crc = mp_crc16_ccitt(f, n);
        f[n] = crc & 0xff, f[n + 1] = crc >> 8;
        assert_decode_fails(d, NULL, f, n + 2, MP_ERROR_INVALID, cases[i].needle);
    }

    /* LEN says 3 but the frame carries 2. */
    guint8 lying[] = {0x01, 0x84, 0x05, 0x03, 0x05, 0x00, 0x00, 0x00};
    guint16 crc = mp_crc16_ccitt(lying, 6);
    lying[6] = crc & 0xff, lying[7] = crc >> 8;
    assert_decode_fails(d, NULL, lying, sizeof lying, MP_ERROR_INVALID, "LEN byte says 3");

    /* STATE with intensity 101 % and with reserved flag bits. */
    guint8 st[] = {0x01, 0x81, 0x03, 0x06, 0x01, 0x65, 0x00, 0x00, 0x00, 0x55, 0, 0};
    crc = mp_crc16_ccitt(st, 10);
    st[10] = crc & 0xff, st[11] = crc >> 8;
    assert_decode_fails(d, NULL, st, sizeof st, MP_ERROR_INVALID, "intensity 101");
    st[4] = 0x03, st[5] = 0x10;
    crc = mp_crc16_ccitt(st, 10);
    st[10] = crc & 0xff, st[11] = crc >> 8;
    assert_decode_fails(d, NULL, st, sizeof st, MP_ERROR_INVALID, "reserved");
}

static void test_parse_control_and_status_codes(void **state)
{
    const MpDriver *d = *state;
    g_autoptr(GError) error = NULL;
    MpCommand cmd;
    guint8 seq, status;

    const guint8 speed[] = {0x01, 0x04, 0x03, 0x02, 0x60, 0x09, 0x09, 0xad};
    assert_true(mp_driver_parse_command(d, speed, sizeof speed, &cmd, &seq, &error));
    assert_int_equal(cmd.kind, MP_CMD_SPEED);
    assert_float_equal(cmd.value, 2400, 0);
    assert_int_equal(seq, 3);

    /* The codes the device answers refused frames with. */
    const guint8 ack[] = {0x01, 0x84, 0x05, 0x02, 0x05, 0x00, 0xb6, 0xcd};
    assert_false(mp_reference_parse_control(ack, sizeof ack, &cmd, &seq, &status, NULL));
    assert_int_equal(status, MP_REF_ERR_UNKNOWN_OPCODE);
    guint8 bad_crc[sizeof speed];
    memcpy(bad_crc, speed, sizeof speed);
    bad_crc[7] ^= 0xff;
    assert_false(mp_reference_parse_control(bad_crc, sizeof bad_crc, &cmd, &seq, &status, NULL));
    assert_int_equal(status, MP_REF_ERR_BAD_CRC);
    assert_parse_fails(d, bad_crc, sizeof bad_crc, MP_ERROR_CHECKSUM);
    assert_false(mp_reference_parse_control(speed, 3, &cmd, &seq, &status, NULL));
    assert_int_equal(status, MP_REF_ERR_BAD_LENGTH);

    /* INTENSITY 101 %: well-formed but out of range. */
    g_autoptr(GBytes) over = mp_reference_frame_build(MP_REF_OP_INTENSITY, 9, (guint8[]){101}, 1);
    gsize n;
    const guint8 *p = g_bytes_get_data(over, &n);
    assert_false(mp_reference_parse_control(p, n, &cmd, &seq, &status, NULL));
    assert_int_equal(status, MP_REF_ERR_OUT_OF_RANGE);
    assert_parse_fails(d, p, n, MP_ERROR_RANGE);

    /* STOP with a payload byte. */
    g_autoptr(GBytes) stop1 = mp_reference_frame_build(MP_REF_OP_STOP, 9, (guint8[]){0}, 1);
    p = g_bytes_get_data(stop1, &n);
    assert_false(mp_reference_parse_control(p, n, &cmd, &seq, &status, NULL));
    assert_int_equal(status, MP_REF_ERR_BAD_LENGTH);

    /* Version 2 frame. */
    guint8 v2[] = {0x02, 0x02, 0x05, 0x00, 0, 0};
    guint16 crc = mp_crc16_ccitt(v2, 4);
    v2[4] = crc & 0xff, v2[5] = crc >> 8;
    assert_false(mp_reference_parse_control(v2, sizeof v2, &cmd, &seq, &status, NULL));
    assert_int_equal(status, MP_REF_ERR_VERSION);
}

static void test_command_round_trips(void **state)
{
    const MpDriver *d = *state;
    const struct {
        MpCommandKind kind;
        double value;
        double back;
    } cases[] = {
        {MP_CMD_START, 0, 0},     {MP_CMD_START, 40, 40},       {MP_CMD_STOP, 0, 0},
        {MP_CMD_INTENSITY, 0, 0}, {MP_CMD_INTENSITY, 100, 100}, {MP_CMD_INTENSITY, 33.4, 33},
        {MP_CMD_SPEED, 0, 0},     {MP_CMD_SPEED, 3200, 3200},   {MP_CMD_MODE, 255, 255},
        {MP_CMD_STATUS, 0, 0},    {MP_CMD_KEEPALIVE, 0, 0},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (guint seq = 0; seq < 256; seq += 51) {
            guint8 seq_back = 0;
            MpCommand back = round_trip(d, cases[i].kind, cases[i].value, (guint8)seq, &seq_back);
            assert_int_equal(back.kind, cases[i].kind);
            assert_float_equal(back.value, cases[i].back, 0);
            assert_int_equal(seq_back, seq);
        }
    }
}

static void test_reading_round_trips(void **state)
{
    const MpDriver *d = *state;
    MpReading in = {.fields = MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED |
                              MP_READING_BATTERY,
                    .running = TRUE,
                    .intensity = 55,
                    .speed = 2400,
                    .battery = 85,
                    .ack_seq = 3};
    /* Exactly the worked example's STATE frame. */
    g_autoptr(GBytes) frame = mp_driver_encode_reading(d, &in, NULL);
    assert_bytes(frame,
                 FRAME(0x01, 0x81, 0x03, 0x06, 0x01, 0x37, 0x60, 0x09, 0x00, 0x55, 0x34, 0x50));
    MpReading out = reading_round_trip(d, &in);
    assert_int_equal(out.fields, in.fields);
    assert_true(out.running);
    assert_float_equal(out.intensity, 55, 0);
    assert_int_equal(out.speed, 2400);
    assert_int_equal(out.battery, 85);

    MpReading ack = {.fields = MP_READING_ACK, .ack_seq = 5, .ack_status = 0};
    g_autoptr(GBytes) ack_frame = mp_driver_encode_reading(d, &ack, NULL);
    assert_bytes(ack_frame, FRAME(0x01, 0x84, 0x05, 0x02, 0x05, 0x00, 0xb6, 0xcd));

    MpReading stale = {.fields = MP_READING_ACK, .ack_seq = 4, .ack_status = MP_REF_ERR_STALE};
    g_autoptr(GBytes) stale_frame = mp_driver_encode_reading(d, &stale, NULL);
    assert_bytes(stale_frame, FRAME(0x01, 0x84, 0x04, 0x02, 0x04, 0x05, 0x96, 0xd8));

    MpReading force = {.fields = MP_READING_FORCE, .force = 12.5, .ack_seq = 3};
    g_autoptr(GBytes) force_frame = mp_driver_encode_reading(d, &force, NULL);
    assert_bytes(force_frame, FRAME(0x01, 0x82, 0x03, 0x02, 0x7d, 0x00, 0x5a, 0xa6));

    MpReading err = {.fields = MP_READING_ERROR, .error_code = MP_REF_ERR_WATCHDOG, .ack_seq = 5};
    out = reading_round_trip(d, &err);
    assert_int_equal(out.fields, MP_READING_ERROR | MP_READING_STOPPED);
    assert_int_equal(out.error_code, MP_REF_ERR_WATCHDOG);

    g_autoptr(GError) error = NULL;
    MpReading battery_only = {.fields = MP_READING_BATTERY, .battery = 50};
    assert_null(mp_driver_encode_reading(d, &battery_only, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    MpReading too_strong = {.fields = MP_READING_INTENSITY, .intensity = 150};
    assert_null(mp_driver_encode_reading(d, &too_strong, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_RANGE));
}

static void test_sequence_wrap(void **state)
{
    (void)state;
    assert_true(mp_reference_seq_is_newer(1, 0));
    assert_true(mp_reference_seq_is_newer(0, 255)); /* wraps */
    assert_true(mp_reference_seq_is_newer(5, 250));
    assert_true(mp_reference_seq_is_newer(127, 0));
    assert_false(mp_reference_seq_is_newer(128, 0)); /* half the space away: not newer */
    assert_false(mp_reference_seq_is_newer(0, 0));   /* a duplicate */
    assert_false(mp_reference_seq_is_newer(255, 0)); /* one behind, across the wrap */
    assert_false(mp_reference_seq_is_newer(250, 5));
    /* The EATT reordering of real-stack.md: 1,3,2,5,4,6 applies 1,3,5,6. */
    const guint8 arrival[] = {1, 3, 2, 5, 4, 6};
    const gboolean applied[] = {TRUE, TRUE, FALSE, TRUE, FALSE, TRUE};
    guint8 last = 0;
    gboolean have_last = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(arrival); i++) {
        gboolean newer = !have_last || mp_reference_seq_is_newer(arrival[i], last);
        assert_int_equal(newer, applied[i]);
        if (newer)
            last = arrival[i], have_last = TRUE;
    }
    /* Across the wrap: 254, 0, 255, 1 applies 254, 0, 1. */
    const guint8 wrap[] = {254, 0, 255, 1};
    const gboolean wrap_applied[] = {TRUE, TRUE, FALSE, TRUE};
    last = 253;
    for (gsize i = 0; i < G_N_ELEMENTS(wrap); i++) {
        gboolean newer = mp_reference_seq_is_newer(wrap[i], last);
        assert_int_equal(newer, wrap_applied[i]);
        if (newer)
            last = wrap[i];
    }
}

/* Every frame written out in docs/protocol.md section 12 carries a valid CRC
 * and parses: a typo in the spec fails here. */
static void test_spec_examples_are_valid(void **state)
{
    (void)state;
    g_autofree char *path = g_build_filename(SOURCE_DATADIR, "..", "docs", "protocol.md", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error))
        fail_msg("%s", error->message);
    const char *section = strstr(text, "## 12. Worked examples");
    assert_non_null(section);
    const char *end = strstr(section, "\n## 13.");
    assert_non_null(end);
    g_autofree char *examples = g_strndup(section, (gsize)(end - section));
    g_autoptr(GRegex) re = g_regex_new("`((?:[0-9a-f]{2} ){5,19}[0-9a-f]{2})`", 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    guint frames = 0;
    g_regex_match(re, examples, 0, &match);
    while (g_match_info_matches(match)) {
        g_autofree char *hex = g_match_info_fetch(match, 1);
        g_autoptr(GBytes) bytes = mp_hex_parse(hex, NULL);
        assert_non_null(bytes);
        gsize n;
        const guint8 *p = g_bytes_get_data(bytes, &n);
        MpRefFrame f;
        if (!mp_reference_frame_parse(p, n, &f, NULL, &error))
            fail_msg("spec example '%s': %s", hex, error->message);
        frames++;
        g_match_info_next(match, NULL);
    }
    /* The control and notification tables (the session sketch elides CRCs). */
    assert_true(frames >= 18);
}

/* The device's acceptance rule, section 5 of the spec. */
static void test_sequence_window(void **state)
{
    (void)state;
    MpRefSeqWindow w = {0};
    const struct {
        MpCommandKind kind;
        guint8 seq;
        guint8 status;
        guint8 last_after;
    } steps[] = {
        {MP_CMD_INTENSITY, 200, MP_REF_OK, 200}, /* first frame: accepted whatever its SEQ */
        {MP_CMD_INTENSITY, 199, MP_REF_ERR_STALE, 200},
        {MP_CMD_INTENSITY, 200, MP_REF_ERR_STALE, 200}, /* duplicate */
        {MP_CMD_KEEPALIVE, 202, MP_REF_OK, 200},        /* does not move the window */
        {MP_CMD_INTENSITY, 201, MP_REF_OK, 201},        /* so this is still newer */
        {MP_CMD_STATUS, 150, MP_REF_OK, 201},           /* always answered */
        {MP_CMD_STOP, 100, MP_REF_OK, 201},             /* old STOP: applied, window kept */
        {MP_CMD_SPEED, 255, MP_REF_OK, 255},
        {MP_CMD_MODE, 0, MP_REF_OK, 0}, /* across the wrap */
        {MP_CMD_START, 255, MP_REF_ERR_STALE, 0},
        {MP_CMD_STOP, 1, MP_REF_OK, 1},           /* newer STOP moves it */
        {MP_CMD_START, 129, MP_REF_ERR_STALE, 1}, /* exactly half the space away */
        {MP_CMD_START, 128, MP_REF_OK, 128},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
        guint8 status = mp_reference_seq_accept(&w, steps[i].kind, steps[i].seq);
        if (status != steps[i].status || w.last != steps[i].last_after)
            fail_msg("step %zu (%s seq %u): status %u last %u, want %u / %u", i,
                     mp_command_kind_to_string(steps[i].kind), steps[i].seq, status, w.last,
                     steps[i].status, steps[i].last_after);
    }
    mp_reference_seq_reset(&w);
    assert_int_equal(mp_reference_seq_accept(&w, MP_CMD_INTENSITY, 3), MP_REF_OK);
}

static void test_driver_description(void **state)
{
    const MpDriver *d = *state;
    assert_string_equal(d->name, "reference");
    assert_string_equal(d->service_uuid, MP_REF_SERVICE_UUID);
    assert_string_equal(d->write_uuid, MP_REF_CONTROL_UUID);
    assert_string_equal(d->notify_uuid, MP_REF_STATUS_UUID);
    assert_int_equal(d->write_type, MP_WRITE_WITHOUT_RESPONSE);
    assert_true(d->uses_seq);
    /* The host's keepalive fits twice into the shortest watchdog a device may announce. */
    assert_true(d->keepalive_ms > 0 && d->keepalive_ms * 2 <= MP_REF_MIN_WATCHDOG_MS);
    const char *adv[] = {"e9150001-8561-4594-b206-6dd46f942e75", NULL};
    assert_int_equal(mp_driver_match_score(d, "Anything", adv), 2);
    g_autoptr(GBytes) f = mp_reference_frame_build(MP_REF_OP_STOP, 0, NULL, 0);
    assert_int_equal(g_bytes_get_size(f), MP_REF_MIN_FRAME);
    guint8 full[MP_REF_MAX_PAYLOAD] = {0};
    g_autoptr(GBytes) big = mp_reference_frame_build(MP_REF_OP_STATE, 0, full, sizeof full);
    assert_int_equal(g_bytes_get_size(big), MP_REF_MAX_FRAME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DRIVER_TEST(test_encode_every_command),
        DRIVER_TEST(test_decode_stop_codes),
        DRIVER_TEST(test_encode_rounds_and_edges),
        DRIVER_TEST(test_encode_refuses_out_of_range),
        DRIVER_TEST(test_decode_notifications),
        DRIVER_TEST(test_decode_battery_and_capabilities),
        DRIVER_TEST(test_decode_malformed),
        DRIVER_TEST(test_parse_control_and_status_codes),
        DRIVER_TEST(test_command_round_trips),
        DRIVER_TEST(test_reading_round_trips),
        DRIVER_TEST(test_sequence_wrap),
        DRIVER_TEST(test_sequence_window),
        DRIVER_TEST(test_spec_examples_are_valid),
        DRIVER_TEST(test_driver_description),
    };
    return run_driver_tests(mp_driver_reference_new, tests);
}
