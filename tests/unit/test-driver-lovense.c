/* Lovense-style ASCII over the Nordic UART service. */
#include "driver-fixture.h"

/* The ASCII, written out as bytes so a stray space or NUL shows. */
static void test_encode_every_command(void **state)
{
    const EncodeVector v[] = {
        /* "Vibrate:10;" */
        {MP_CMD_INTENSITY, 50, 0,
         FRAME(0x56, 0x69, 0x62, 0x72, 0x61, 0x74, 0x65, 0x3a, 0x31, 0x30, 0x3b)},
        /* "Vibrate:0;" */
        {MP_CMD_STOP, 0, 0, FRAME(0x56, 0x69, 0x62, 0x72, 0x61, 0x74, 0x65, 0x3a, 0x30, 0x3b)},
        /* "Vibrate:1;": start without a value is the lowest level */
        {MP_CMD_START, 0, 0, FRAME(0x56, 0x69, 0x62, 0x72, 0x61, 0x74, 0x65, 0x3a, 0x31, 0x3b)},
        /* "Vibrate:8;" */
        {MP_CMD_START, 40, 0, FRAME(0x56, 0x69, 0x62, 0x72, 0x61, 0x74, 0x65, 0x3a, 0x38, 0x3b)},
        /* "Vibrate:20;" */
        {MP_CMD_SPEED, 20, 0,
         FRAME(0x56, 0x69, 0x62, 0x72, 0x61, 0x74, 0x65, 0x3a, 0x32, 0x30, 0x3b)},
        /* "Battery;" */
        {MP_CMD_BATTERY, 0, 0, FRAME(0x42, 0x61, 0x74, 0x74, 0x65, 0x72, 0x79, 0x3b)},
        /* "DeviceType;" */
        {MP_CMD_STATUS, 0, 0,
         FRAME(0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x54, 0x79, 0x70, 0x65, 0x3b)},
    };
    check_encode_vectors(*state, v, G_N_ELEMENTS(v));
}

/* N = round(p / 5), halves away from zero. */
static void test_intensity_levels(void **state)
{
    const MpDriver *d = *state;
    const struct {
        double percent;
        const char *text;
    } cases[] = {
        {0, "Vibrate:0;"},     {1, "Vibrate:0;"},    {2.5, "Vibrate:1;"}, {3, "Vibrate:1;"},
        {7.4, "Vibrate:1;"},   {7.5, "Vibrate:2;"},  {33, "Vibrate:7;"},  {97.4, "Vibrate:19;"},
        {97.5, "Vibrate:20;"}, {100, "Vibrate:20;"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        MpCommand cmd = {MP_CMD_INTENSITY, cases[i].percent};
        assert_true(mp_driver_encode(d, &cmd, 0, frames, NULL));
        assert_int_equal(frames->len, 1);
        assert_bytes(g_ptr_array_index(frames, 0), (const guint8 *)cases[i].text,
                     strlen(cases[i].text));
    }
}

static void test_encode_refuses(void **state)
{
    const MpDriver *d = *state;
    assert_encode_fails(d, MP_CMD_INTENSITY, 101, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, -5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, NAN, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 21, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 2.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_START, -1, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_MODE, 1, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(d, MP_CMD_KEEPALIVE, 0, MP_ERROR_UNSUPPORTED);
}

static void test_decode_replies(void **state)
{
    const MpDriver *d = *state;
    g_autoptr(GError) error = NULL;
    MpReading r;

    const guint8 battery[] = {0x38, 0x35, 0x3b}; /* "85;" */
    assert_true(mp_driver_decode(d, "6e400003-b5a3-f393-e0a9-e50e24dcca9e", battery, sizeof battery,
                                 &r, &error));
    assert_int_equal(r.fields, MP_READING_BATTERY);
    assert_int_equal(r.battery, 85);

    const char *full = "100;";
    assert_true(mp_driver_decode(d, NULL, (const guint8 *)full, strlen(full), &r, &error));
    assert_int_equal(r.battery, 100);

    const char *type = "C:11:0082059AD3BD;";
    assert_true(mp_driver_decode(d, NULL, (const guint8 *)type, strlen(type), &r, &error));
    assert_int_equal(r.fields, MP_READING_INFO);
    assert_string_equal(r.info, "C:11:0082059AD3BD");

    const guint8 ok[] = {0x4f, 0x4b, 0x3b}; /* "OK;" */
    assert_true(mp_driver_decode(d, NULL, ok, sizeof ok, &r, &error));
    assert_int_equal(r.fields, MP_READING_ACK);
    assert_int_equal(r.ack_status, 0);

    const char *err = "ERR;";
    assert_true(mp_driver_decode(d, NULL, (const guint8 *)err, strlen(err), &r, &error));
    assert_int_equal(r.fields, MP_READING_ERROR);
    assert_int_equal(r.error_code, 1);
}

static void decode_text_fails(const MpDriver *d, const char *text, gint code, const char *needle)
{
    assert_decode_fails(d, NULL, (const guint8 *)text, strlen(text), code, needle);
}

static void test_decode_malformed(void **state)
{
    const MpDriver *d = *state;
    decode_text_fails(d, "", MP_ERROR_INVALID, "truncated");
    decode_text_fails(d, ";", MP_ERROR_INVALID, "truncated");
    decode_text_fails(d, "85", MP_ERROR_INVALID, "does not end in ';'");
    decode_text_fails(d, "C:11:0082059A", MP_ERROR_INVALID, "truncated?");
    decode_text_fails(d, "101;", MP_ERROR_INVALID, "not a percentage 0..100");
    decode_text_fails(d, "0085;", MP_ERROR_INVALID, "not a percentage 0..100");
    decode_text_fails(d, "85;85;", MP_ERROR_INVALID, "more than one");
    decode_text_fails(d, "Hello;", MP_ERROR_INVALID, "unknown reply 'Hello;'");
    decode_text_fails(d, "C:11:0082059AD3;", MP_ERROR_INVALID, "unknown reply");
    decode_text_fails(d, "C:xx:0082059AD3BD;", MP_ERROR_INVALID, "unknown reply");
    decode_text_fails(d, "OK;                              ", MP_ERROR_INVALID, "oversized");
    const guint8 binary[] = {0x38, 0x35, 0x00, 0x3b};
    assert_decode_fails(d, NULL, binary, sizeof binary, MP_ERROR_INVALID, "byte 2 is 0x00");
    const guint8 high[] = {0x38, 0xb5, 0x3b};
    assert_decode_fails(d, NULL, high, sizeof high, MP_ERROR_INVALID, "not printable ASCII");
    assert_decode_fails(d, NULL, NULL, 0, MP_ERROR_INVALID, "truncated");
    assert_decode_fails(d, "6e400002-b5a3-f393-e0a9-e50e24dcca9e", high, sizeof high,
                        MP_ERROR_UNSUPPORTED, "carries no readings");
}

static void test_parse_command(void **state)
{
    const MpDriver *d = *state;
    const struct {
        const char *text;
        MpCommandKind kind;
        double value;
    } good[] = {
        {"Vibrate:0;", MP_CMD_STOP, 0},    {"Vibrate:7;", MP_CMD_SPEED, 7},
        {"Vibrate:20;", MP_CMD_SPEED, 20}, {"Battery;", MP_CMD_BATTERY, 0},
        {"DeviceType;", MP_CMD_STATUS, 0},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) error = NULL;
        MpCommand cmd;
        guint8 seq = 0xff;
        assert_true(mp_driver_parse_command(d, (const guint8 *)good[i].text, strlen(good[i].text),
                                            &cmd, &seq, &error));
        assert_int_equal(cmd.kind, good[i].kind);
        assert_float_equal(cmd.value, good[i].value, 0);
        assert_int_equal(seq, 0);
    }
    const struct {
        const char *text;
        gint code;
    } bad[] = {
        {"Vibrate:21;", MP_ERROR_RANGE},   {"Vibrate:;", MP_ERROR_INVALID},
        {"Vibrate:-1;", MP_ERROR_INVALID}, {"Vibrate:100;", MP_ERROR_INVALID},
        {"Vibrate:5", MP_ERROR_INVALID},   {"PowerOff;", MP_ERROR_INVALID},
        {"vibrate:5;", MP_ERROR_INVALID},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        assert_parse_fails(d, (const guint8 *)bad[i].text, strlen(bad[i].text), bad[i].code);
}

static void test_round_trips(void **state)
{
    const MpDriver *d = *state;
    for (guint level = 0; level <= 20; level++) {
        MpCommand back = round_trip(d, MP_CMD_SPEED, level, 0, NULL);
        assert_int_equal(back.kind, level ? MP_CMD_SPEED : MP_CMD_STOP);
        assert_float_equal(back.value, level, 0);
    }
    MpCommand back = round_trip(d, MP_CMD_INTENSITY, 35, 0, NULL);
    assert_int_equal(back.kind, MP_CMD_SPEED);
    assert_float_equal(back.value, 7, 0);
    back = round_trip(d, MP_CMD_BATTERY, 0, 0, NULL);
    assert_int_equal(back.kind, MP_CMD_BATTERY);
    back = round_trip(d, MP_CMD_STATUS, 0, 0, NULL);
    assert_int_equal(back.kind, MP_CMD_STATUS);

    MpReading battery = {.fields = MP_READING_BATTERY, .battery = 85};
    g_autoptr(GBytes) frame = mp_driver_encode_reading(d, &battery, NULL);
    assert_bytes(frame, FRAME(0x38, 0x35, 0x3b));
    MpReading out = reading_round_trip(d, &battery);
    assert_int_equal(out.battery, 85);

    MpReading info = {.fields = MP_READING_INFO};
    g_strlcpy(info.info, "S:06:C44F33AB12CD", sizeof info.info);
    out = reading_round_trip(d, &info);
    assert_string_equal(out.info, "S:06:C44F33AB12CD");

    MpReading ack = {.fields = MP_READING_ACK};
    g_autoptr(GBytes) ok = mp_driver_encode_reading(d, &ack, NULL);
    assert_bytes(ok, FRAME(0x4f, 0x4b, 0x3b));

    g_autoptr(GError) error = NULL;
    MpReading running = {.fields = MP_READING_RUNNING, .running = TRUE};
    assert_null(mp_driver_encode_reading(d, &running, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    MpReading over = {.fields = MP_READING_BATTERY, .battery = 101};
    assert_null(mp_driver_encode_reading(d, &over, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_RANGE));
}

static void test_driver_description(void **state)
{
    const MpDriver *d = *state;
    assert_string_equal(d->service_uuid, "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
    assert_string_equal(d->write_uuid, "6e400002-b5a3-f393-e0a9-e50e24dcca9e");
    assert_string_equal(d->notify_uuid, "6e400003-b5a3-f393-e0a9-e50e24dcca9e");
    assert_int_equal(d->kind, MP_KIND_VIBRATION);
    assert_int_equal(d->speed_max, 20);
    assert_string_equal(d->speed_unit, "level");
    assert_int_equal(mp_driver_match_score(d, "LVS-Z001", NULL), 1);
    const char *adv[] = {"6E400001-B5A3-F393-E0A9-E50E24DCCA9E", NULL};
    assert_int_equal(mp_driver_match_score(d, "LVS-Lush42", adv), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DRIVER_STANDARD_TESTS,
        DRIVER_TEST(test_intensity_levels),
    };
    return run_driver_tests(mp_driver_lovense_new, tests);
}
