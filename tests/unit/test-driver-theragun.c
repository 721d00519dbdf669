/* Theragun Gen 4: frames from the public write-ups (stpihkal #127,
 * docs.buttplug.io protocols/theragun), checksum = sum of bytes 2..end. */
#include "driver-fixture.h"

static void test_encode_every_command(void **state)
{
    const EncodeVector v[] = {
        /* The acceptance frame: speed 2400 RPM. */
        {MP_CMD_SPEED, 2400, 0, FRAME(0xaa, 0x70, 0x01, 0x03, 0x09, 0x60, 0x03)},
        {MP_CMD_SPEED, 3000, 0, FRAME(0xaa, 0xca, 0x01, 0x03, 0x0b, 0xb8, 0x03)},
        {MP_CMD_SPEED, 0, 0, FRAME(0xaa, 0x07, 0x01, 0x03, 0x00, 0x00, 0x03)},
        /* Stop is speed 0. */
        {MP_CMD_STOP, 0, 0, FRAME(0xaa, 0x07, 0x01, 0x03, 0x00, 0x00, 0x03)},
        /* Start without a value: 1750 RPM. */
        {MP_CMD_START, 0, 0, FRAME(0xaa, 0xe3, 0x01, 0x03, 0x06, 0xd6, 0x03)},
        /* Start at 50 %: like intensity 50 %. */
        {MP_CMD_START, 50, 0, FRAME(0xaa, 0x0e, 0x01, 0x03, 0x07, 0x00, 0x03)},
        /* Intensity: rpm = round(p * 3584 / 100). */
        {MP_CMD_INTENSITY, 0, 0, FRAME(0xaa, 0x07, 0x01, 0x03, 0x00, 0x00, 0x03)},
        {MP_CMD_INTENSITY, 1, 0, FRAME(0xaa, 0x2b, 0x01, 0x03, 0x00, 0x24, 0x03)},
        {MP_CMD_INTENSITY, 50, 0, FRAME(0xaa, 0x0e, 0x01, 0x03, 0x07, 0x00, 0x03)},
        {MP_CMD_INTENSITY, 100, 0, FRAME(0xaa, 0x15, 0x01, 0x03, 0x0e, 0x00, 0x03)},
        {MP_CMD_STATUS, 0, 0, FRAME(0xaa, 0x10, 0x10, 0x00)},
    };
    check_encode_vectors(*state, v, G_N_ELEMENTS(v));
}

static void test_encode_refuses(void **state)
{
    const MpDriver *d = *state;
    assert_encode_fails(d, MP_CMD_SPEED, 3585, MP_ERROR_RANGE); /* above the Prime's 3584 */
    assert_encode_fails(d, MP_CMD_SPEED, 3616, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, -1, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 2400.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, NAN, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, 100.01, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, -0.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_START, 150, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_MODE, 1, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(d, MP_CMD_KEEPALIVE, 0, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(d, MP_CMD_BATTERY, 0, MP_ERROR_UNSUPPORTED);
}

static void test_decode_replies(void **state)
{
    const MpDriver *d = *state;
    g_autoptr(GError) error = NULL;
    MpReading r;

    const guint8 running[] = {0xbb, 0x85, 0x10, 0x0b, 0x01, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x60};
    assert_true(mp_driver_decode(d, "ffe1", running, sizeof running, &r, &error));
    assert_int_equal(r.fields, MP_READING_RUNNING | MP_READING_SPEED);
    assert_true(r.running);
    assert_int_equal(r.speed, 2400);

    /* Real-shaped: longer, with bytes the public write-ups do not name. */
    const guint8 longer[] = {0xbb, 0x63, 0x10, 0x0e, 0x01, 0x02, 0x55, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x2a, 0x00};
    assert_true(mp_driver_decode(d, NULL, longer, sizeof longer, &r, &error));
    assert_true(r.running);
    assert_int_equal(r.speed, 3000);

    const guint8 idle[] = {0xbb, 0x1b, 0x10, 0x0b, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_true(mp_driver_decode(d, NULL, idle, sizeof idle, &r, &error));
    assert_false(r.running);
    assert_int_equal(r.speed, 0);

    const guint8 version[] = {0xbb, 0x02, 0x20, 0x0a, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd8};
    assert_true(mp_driver_decode(d, NULL, version, sizeof version, &r, &error));
    assert_int_equal(r.fields, MP_READING_INFO);
    assert_string_equal(r.info, "2.1.6");
}

static void test_decode_malformed(void **state)
{
    const MpDriver *d = *state;
    const guint8 running[] = {0xbb, 0x85, 0x10, 0x0b, 0x01, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x60};
    guint8 f[32];

    assert_decode_fails(d, NULL, running, 0, MP_ERROR_INVALID, "truncated");
    assert_decode_fails(d, NULL, NULL, 0, MP_ERROR_INVALID, "truncated");
    assert_decode_fails(d, NULL, running, 3, MP_ERROR_INVALID, "truncated");
    /* Cut before the speed: the checksum no longer matches. */
    assert_decode_fails(d, NULL, running, 13, MP_ERROR_CHECKSUM, "checksum");

    /* Truncated but with a checksum that matches: still refused. */
    const guint8 short_status[] = {0xbb, 0x1b, 0x10, 0x0b, 0x00};
    assert_decode_fails(d, NULL, short_status, sizeof short_status, MP_ERROR_INVALID,
                        "bytes 13-14");
    const guint8 short_version[] = {0xbb, 0x2a, 0x20, 0x0a};
    assert_decode_fails(d, NULL, short_version, sizeof short_version, MP_ERROR_INVALID,
                        "bytes 12-13");

    memcpy(f, running, sizeof running);
    f[14] = 0x61; /* speed changed, checksum not */
    assert_decode_fails(d, NULL, f, sizeof running, MP_ERROR_CHECKSUM, "0x85");

    memcpy(f, running, sizeof running);
    f[0] = 0xaa; /* a request echoed back is not a reply */
    assert_decode_fails(d, NULL, f, sizeof running, MP_ERROR_INVALID, "starts with 0xaa");

    const guint8 unknown[] = {0xbb, 0x33, 0x30, 0x03};
    assert_decode_fails(d, NULL, unknown, sizeof unknown, MP_ERROR_INVALID, "type 0x30");

    memset(f, 0, sizeof f);
    f[0] = 0xbb; /* 21 zero-sum bytes: oversized */
    assert_decode_fails(d, NULL, f, 21, MP_ERROR_INVALID, "oversized");

    assert_decode_fails(d, "ffe2", running, sizeof running, MP_ERROR_UNSUPPORTED, "ffe2");
}

static void test_parse_command(void **state)
{
    const MpDriver *d = *state;
    g_autoptr(GError) error = NULL;
    MpCommand cmd;
    guint8 seq = 0xff;

    const guint8 speed[] = {0xaa, 0x70, 0x01, 0x03, 0x09, 0x60, 0x03};
    assert_true(mp_driver_parse_command(d, speed, sizeof speed, &cmd, &seq, &error));
    assert_int_equal(cmd.kind, MP_CMD_SPEED);
    assert_float_equal(cmd.value, 2400, 0);
    assert_int_equal(seq, 0);

    const guint8 stop[] = {0xaa, 0x07, 0x01, 0x03, 0x00, 0x00, 0x03};
    assert_true(mp_driver_parse_command(d, stop, sizeof stop, &cmd, NULL, &error));
    assert_int_equal(cmd.kind, MP_CMD_STOP);

    const guint8 status[] = {0xaa, 0x10, 0x10, 0x00};
    assert_true(mp_driver_parse_command(d, status, sizeof status, &cmd, NULL, &error));
    assert_int_equal(cmd.kind, MP_CMD_STATUS);

    const guint8 bad_sum[] = {0xaa, 0x71, 0x01, 0x03, 0x09, 0x60, 0x03};
    assert_parse_fails(d, bad_sum, sizeof bad_sum, MP_ERROR_CHECKSUM);
    const guint8 too_fast[] = {0xaa, 0x16, 0x01, 0x03, 0x0e, 0x01, 0x03}; /* 3585 */
    assert_parse_fails(d, too_fast, sizeof too_fast, MP_ERROR_RANGE);
    const guint8 wave[] = {0xaa, 0x04, 0x01, 0x03};
    assert_parse_fails(d, wave, sizeof wave, MP_ERROR_UNSUPPORTED);
    const guint8 version[] = {0xaa, 0x20, 0x20, 0x00};
    assert_parse_fails(d, version, sizeof version, MP_ERROR_UNSUPPORTED);
    const guint8 reply[] = {0xbb, 0x10, 0x10, 0x00};
    assert_parse_fails(d, reply, sizeof reply, MP_ERROR_INVALID);
    assert_parse_fails(d, speed, 3, MP_ERROR_INVALID);
    const guint8 odd_speed[] = {0xaa, 0x6f, 0x01, 0x02, 0x09, 0x60, 0x03}; /* byte 3 = 02 */
    assert_parse_fails(d, odd_speed, sizeof odd_speed, MP_ERROR_INVALID);
}

static void test_round_trips(void **state)
{
    const MpDriver *d = *state;
    const struct {
        MpCommandKind kind;
        double value;
        MpCommandKind back_kind;
        double back;
    } cases[] = {
        {MP_CMD_SPEED, 2400, MP_CMD_SPEED, 2400}, {MP_CMD_SPEED, 3584, MP_CMD_SPEED, 3584},
        {MP_CMD_SPEED, 1, MP_CMD_SPEED, 1},       {MP_CMD_STOP, 0, MP_CMD_STOP, 0},
        {MP_CMD_SPEED, 0, MP_CMD_STOP, 0},        {MP_CMD_STATUS, 0, MP_CMD_STATUS, 0},
        {MP_CMD_START, 0, MP_CMD_SPEED, 1750},    {MP_CMD_INTENSITY, 25, MP_CMD_SPEED, 896},
        {MP_CMD_INTENSITY, 0, MP_CMD_STOP, 0},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        MpCommand back = round_trip(d, cases[i].kind, cases[i].value, 7, NULL);
        assert_int_equal(back.kind, cases[i].back_kind);
        assert_float_equal(back.value, cases[i].back, 0);
    }

    MpReading in = {
        .fields = MP_READING_RUNNING | MP_READING_SPEED, .running = TRUE, .speed = 2400};
    g_autoptr(GBytes) frame = mp_driver_encode_reading(d, &in, NULL);
    assert_bytes(frame, FRAME(0xbb, 0x85, 0x10, 0x0b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x09, 0x60));
    MpReading out = reading_round_trip(d, &in);
    assert_int_equal(out.fields, in.fields);
    assert_true(out.running);
    assert_int_equal(out.speed, 2400);

    MpReading ver = {.fields = MP_READING_INFO};
    g_strlcpy(ver.info, "2.1.6", sizeof ver.info);
    g_autoptr(GBytes) vframe = mp_driver_encode_reading(d, &ver, NULL);
    assert_bytes(vframe, FRAME(0xbb, 0x02, 0x20, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                               0x00, 0x00, 0xd8));
    out = reading_round_trip(d, &ver);
    assert_string_equal(out.info, "2.1.6");

    g_autoptr(GError) error = NULL;
    MpReading battery = {.fields = MP_READING_BATTERY, .battery = 50};
    assert_null(mp_driver_encode_reading(d, &battery, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    g_strlcpy(ver.info, "2.10.6", sizeof ver.info);
    assert_null(mp_driver_encode_reading(d, &ver, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_RANGE));
}

static void test_driver_description(void **state)
{
    const MpDriver *d = *state;
    assert_string_equal(d->service_uuid, "0000ffe0-0000-1000-8000-00805f9b34fb");
    assert_string_equal(d->notify_uuid, "0000ffe1-0000-1000-8000-00805f9b34fb");
    assert_string_equal(d->write_uuid, "0000ffe2-0000-1000-8000-00805f9b34fb");
    assert_int_equal(d->write_type, MP_WRITE_WITH_RESPONSE);
    assert_int_equal(d->kind, MP_KIND_PERCUSSION);
    assert_int_equal(d->speed_min, 0);
    assert_int_equal(d->speed_max, 3584);
    assert_string_equal(d->speed_unit, "rpm");
    assert_int_equal(d->keepalive_ms, 0);
    assert_false(d->uses_seq);
    const char *adv[] = {"ffe0", NULL};
    assert_int_equal(mp_driver_match_score(d, "Pro", adv), 3);
    assert_int_equal(mp_driver_match_score(d, "Elite", NULL), 1);
    assert_int_equal(mp_driver_match_score(d, "LVS-Z001", NULL), 0);
    /* Case-insensitive, and the name the simulator and real units advertise. */
    assert_int_equal(mp_driver_match_score(d, "Theragun PRO", adv), 3);
    assert_int_equal(mp_driver_match_score(d, "PRIME", adv), 3);
    /* 0xFFE0 alone is any serial module: never driven as a Theragun. */
    assert_int_equal(mp_driver_match_score(d, "HMSoft", adv), 0);
    assert_int_equal(mp_driver_match_score(d, NULL, adv), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DRIVER_STANDARD_TESTS,
    };
    return run_driver_tests(mp_driver_theragun_new, tests);
}
