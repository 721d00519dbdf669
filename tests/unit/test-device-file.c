/* *.device files: parsing, exact frames, every checksum function,
 * parse_command round trips, notification decoding, and every error message
 * (the corpus in tests/data/devices/bad, each file naming its error). */
#include "driver-vectors.h"

#include "protocol/device-file.h"

#define GOOD TEST_DATADIR "/data/devices/good/"
#define BAD  TEST_DATADIR "/data/devices/bad"

static MpDriver *load(const char *path)
{
    g_autoptr(GError) error = NULL;
    MpDriver *d = mp_device_file_load(path, &error);
    if (!d)
        fail_msg("%s: %s", path, error->message);
    return d;
}

static MpDriver *parse(const char *text, GError **error)
{
    return mp_device_file_parse(text, strlen(text), "inline.device", error);
}

static void test_parse_fields(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    assert_string_equal(d->name, "acme-gun");
    assert_string_equal(d->description, "Acme test gun (fixture)");
    assert_string_equal(d->origin, GOOD "acme-gun.device");
    assert_int_equal(d->kind, MP_KIND_PERCUSSION);
    assert_int_equal(g_strv_length(d->name_patterns), 2);
    assert_string_equal(d->name_patterns[0], "Acme*");
    assert_string_equal(d->name_patterns[1], "GUN-??");
    assert_string_equal(d->service_uuid, "0000aa00-0000-1000-8000-00805f9b34fb");
    assert_string_equal(d->write_uuid, "0000aa01-0000-1000-8000-00805f9b34fb");
    assert_string_equal(d->notify_uuid, "0000aa02-0000-1000-8000-00805f9b34fb");
    assert_int_equal(g_strv_length(d->read_uuids), 1);
    assert_string_equal(d->read_uuids[0], "00002a19-0000-1000-8000-00805f9b34fb");
    assert_int_equal(d->write_type, MP_WRITE_WITH_RESPONSE);
    assert_int_equal(d->min_gap_ms, 100);
    assert_int_equal(d->keepalive_ms, 1000);
    assert_int_equal(d->speed_min, 1000);
    assert_int_equal(d->speed_max, 3200);
    assert_string_equal(d->speed_unit, "rpm");
    assert_true(d->uses_seq);
}

static void test_defaults(void **state)
{
    (void)state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MpDriver) d = parse("[Device]\nName=x\nKind=vibration\nService=180a\nWrite=2a00\n"
                                  "[Commands]\nStop=00\n",
                                  &error);
    assert_non_null(d);
    assert_string_equal(d->description, "");
    assert_null(d->notify_uuid);
    assert_int_equal(g_strv_length(d->name_patterns), 0);
    assert_int_equal(d->write_type, MP_WRITE_WITHOUT_RESPONSE);
    assert_int_equal(d->min_gap_ms, 0);
    assert_int_equal(d->keepalive_ms, 0);
    assert_int_equal(d->speed_max, 0);
    assert_false(d->uses_seq);
}

static void test_encode_every_command(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    const EncodeVector v[] = {
        /* AA, sum8 of bytes 2..end, 01, on/off, seq */
        {MP_CMD_STOP, 0, 0, FRAME(0xaa, 0x01, 0x01, 0x00, 0x00)},
        {MP_CMD_STOP, 0, 7, FRAME(0xaa, 0x08, 0x01, 0x00, 0x07)},
        {MP_CMD_START, 0, 5, FRAME(0xaa, 0x07, 0x01, 0x01, 0x05)},
        /* Levels 1..20, ZeroLevel 0: 0 % -> 0, p -> 1 + round(p * 19 / 100) */
        {MP_CMD_INTENSITY, 0, 0, FRAME(0xaa, 0x02, 0x02, 0x00, 0x00)},
        {MP_CMD_INTENSITY, 1, 0, FRAME(0xaa, 0x03, 0x02, 0x01, 0x00)},
        {MP_CMD_INTENSITY, 50, 1, FRAME(0xaa, 0x0e, 0x02, 0x0b, 0x01)},
        {MP_CMD_INTENSITY, 100, 0, FRAME(0xaa, 0x16, 0x02, 0x14, 0x00)},
        /* 2400 = 0x0960 big- then little-endian, CRC-16/MODBUS low byte first */
        {MP_CMD_SPEED, 2400, 0, FRAME(0xa5, 0x03, 0x09, 0x60, 0x60, 0x09, 0xb7, 0x6a)},
        {MP_CMD_SPEED, 1000, 0, FRAME(0xa5, 0x03, 0x03, 0xe8, 0xe8, 0x03, 0xd2, 0x9f)},
        /* CRC-16/CCITT-FALSE, high byte first */
        {MP_CMD_STATUS, 0, 0, FRAME(0xa7, 0x00, 0x99, 0xe6)},
        {MP_CMD_KEEPALIVE, 0, 0, FRAME(0xa8)},
        {MP_CMD_BATTERY, 0, 0, FRAME(0xa9)},
    };
    check_encode_vectors(d, v, G_N_ELEMENTS(v));
}

static void test_encode_two_frames(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GError) error = NULL;
    MpCommand cmd = {MP_CMD_MODE, 2};
    assert_true(mp_driver_encode(d, &cmd, 0, frames, &error));
    assert_int_equal(frames->len, 2);
    assert_bytes(frames->pdata[0], FRAME(0xa6, 0x02, 0x68)); /* crc8(a6 02) */
    assert_bytes(frames->pdata[1], FRAME(0xa6, 0xff, 0x59)); /* xor8(a6 ff) */

    /* Start with a value: the Start frame, then that intensity. */
    g_ptr_array_set_size(frames, 0);
    cmd = (MpCommand){MP_CMD_START, 50};
    assert_true(mp_driver_encode(d, &cmd, 0, frames, &error));
    assert_int_equal(frames->len, 2);
    assert_bytes(frames->pdata[0], FRAME(0xaa, 0x02, 0x01, 0x01, 0x00));
    assert_bytes(frames->pdata[1], FRAME(0xaa, 0x0d, 0x02, 0x0b, 0x00));
}

static void test_every_checksum(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "checksums.device");
    /* "123456789" and the published check values of each function. */
    const EncodeVector v[] = {
        {MP_CMD_STOP, 0, 0,
         FRAME(0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, /* data */
               0xdd,                                                 /* sum8 */
               0x31,                                                 /* xor8 */
               0xf4,                                                 /* crc8 (SMBUS) */
               0x37, 0x4b,                                           /* crc16-modbus, LE */
               0x29, 0xb1)},                                         /* crc16-ccitt, BE */
    };
    check_encode_vectors(d, v, G_N_ELEMENTS(v));
}

static void test_encode_refuses(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    assert_encode_fails(d, MP_CMD_INTENSITY, 100.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, -1, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_INTENSITY, NAN, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_START, 101, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 999, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 3201, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_SPEED, 2400.5, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_MODE, 0, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_MODE, 4, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_STATUS, 1, MP_ERROR_RANGE);
    assert_encode_fails(d, MP_CMD_STOP, 3, MP_ERROR_RANGE);

    g_autoptr(MpDriver) mm = load(SOURCE_DATADIR "/devices/magic-motion-v1.device");
    assert_encode_fails(mm, MP_CMD_SPEED, 1, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(mm, MP_CMD_MODE, 1, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(mm, MP_CMD_STATUS, 0, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(mm, MP_CMD_KEEPALIVE, 0, MP_ERROR_UNSUPPORTED);
    assert_encode_fails(mm, MP_CMD_INTENSITY, 100.01, MP_ERROR_RANGE);
}

static void test_shipped_files(void **state)
{
    (void)state;
    g_autoptr(MpDriver) mm = load(SOURCE_DATADIR "/devices/magic-motion-v1.device");
    assert_string_equal(mm->name, "magic-motion-v1");
    assert_int_equal(mm->kind, MP_KIND_VIBRATION);
    assert_string_equal(mm->service_uuid, "78667579-7b48-43db-b8c5-7928a6b0a335");
    assert_string_equal(mm->write_uuid, "78667579-a914-49a4-8333-aa3c0cd8fedc");
    const EncodeVector mv[] = {
        {MP_CMD_STOP, 0, 0,
         FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x00, 0x64, 0x00)},
        {MP_CMD_INTENSITY, 50, 0,
         FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x32, 0x64, 0x00)},
        {MP_CMD_INTENSITY, 100, 0,
         FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x64, 0x64, 0x00)},
        {MP_CMD_START, 30, 0,
         FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x1e, 0x64, 0x00)},
        /* No Start frame, no value: the lowest running level, 1. */
        {MP_CMD_START, 0, 0,
         FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x01, 0x64, 0x00)},
    };
    check_encode_vectors(mm, mv, G_N_ELEMENTS(mv));

    g_autoptr(MpDriver) sv = load(SOURCE_DATADIR "/devices/svakom-viviana.device");
    assert_string_equal(sv->service_uuid, "0000ffe0-0000-1000-8000-00805f9b34fb");
    const EncodeVector sv_v[] = {
        {MP_CMD_STOP, 0, 0, FRAME(0x55, 0x03, 0x03, 0x00, 0x01, 0x00)},
        {MP_CMD_INTENSITY, 0, 0, FRAME(0x55, 0x03, 0x03, 0x00, 0x01, 0x00)},
        {MP_CMD_INTENSITY, 34, 0, FRAME(0x55, 0x03, 0x03, 0x00, 0x01, 0x03)}, /* 3.4 -> 3 */
        {MP_CMD_INTENSITY, 35, 0, FRAME(0x55, 0x03, 0x03, 0x00, 0x01, 0x04)}, /* 3.5 -> 4 */
        {MP_CMD_INTENSITY, 100, 0, FRAME(0x55, 0x03, 0x03, 0x00, 0x01, 0x0a)},
        {MP_CMD_MODE, 11, 0, FRAME(0x55, 0x03, 0x03, 0x00, 0x0b, 0x01)},
    };
    check_encode_vectors(sv, sv_v, G_N_ELEMENTS(sv_v));
    assert_encode_fails(sv, MP_CMD_MODE, 12, MP_ERROR_RANGE);
}

/* Every command encodes and parses back to itself. */
static void test_parse_command_round_trip(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    const struct {
        MpCommandKind kind;
        double value;
        guint8 seq;
    } v[] = {
        {MP_CMD_STOP, 0, 9},        {MP_CMD_START, 0, 3},    {MP_CMD_INTENSITY, 0, 0},
        {MP_CMD_INTENSITY, 100, 1}, {MP_CMD_SPEED, 1000, 0}, {MP_CMD_SPEED, 3200, 0},
        {MP_CMD_MODE, 3, 0},        {MP_CMD_STATUS, 0, 0},   {MP_CMD_KEEPALIVE, 0, 0},
        {MP_CMD_BATTERY, 0, 0},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(v); i++) {
        g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        g_autoptr(GError) error = NULL;
        MpCommand cmd = {v[i].kind, v[i].value};
        assert_true(mp_driver_encode(d, &cmd, v[i].seq, frames, &error));
        gsize len;
        const guint8 *data = g_bytes_get_data(frames->pdata[0], &len);
        MpCommand back = {0};
        guint8 seq = 0xff;
        if (!mp_driver_parse_command(d, data, len, &back, &seq, &error))
            fail_msg("%s: %s", mp_command_kind_to_string(v[i].kind), error->message);
        assert_int_equal(back.kind, v[i].kind);
        assert_true(fabs(back.value - v[i].value) < 1e-9);
        if (d->uses_seq && (v[i].kind == MP_CMD_STOP || v[i].kind == MP_CMD_START))
            assert_int_equal(seq, v[i].seq);
    }
    /* A percentage between levels comes back as its level's percentage. */
    {
        MpCommand back = {0};
        g_autoptr(GError) error = NULL;
        assert_true(
            mp_driver_parse_command(d, FRAME(0xaa, 0x0e, 0x02, 0x0b, 0x01), &back, NULL, &error));
        assert_int_equal(back.kind, MP_CMD_INTENSITY);
        assert_true(fabs(back.value - 1000.0 / 19.0) < 1e-9); /* level 11 of 1..20 */
    }
    /* Magic Motion's stop is its intensity 0: it parses as stop. */
    g_autoptr(MpDriver) mm = load(SOURCE_DATADIR "/devices/magic-motion-v1.device");
    MpCommand back = {0};
    g_autoptr(GError) error = NULL;
    assert_true(mp_driver_parse_command(
        mm, FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x00, 0x64, 0x00), &back,
        NULL, &error));
    assert_int_equal(back.kind, MP_CMD_STOP);
    assert_true(mp_driver_parse_command(
        mm, FRAME(0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, 0x4b, 0x64, 0x00), &back,
        NULL, &error));
    assert_int_equal(back.kind, MP_CMD_INTENSITY);
    assert_true(back.value == 75.0);
}

static void test_parse_command_refuses(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    MpCommand back = {0};
    {
        g_autoptr(GError) error = NULL;
        /* stop with a wrong sum8 */
        assert_false(
            mp_driver_parse_command(d, FRAME(0xaa, 0x02, 0x01, 0x00, 0x00), &back, NULL, &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_CHECKSUM));
        assert_string_equal(error->message,
                            "acme-gun: bad checksum in 'aa 02 01 00 00': [Commands] Stop: "
                            "sum8(2..4) at byte 1 is 0x02, expected 0x01");
    }
    {
        g_autoptr(GError) error = NULL;
        assert_false(mp_driver_parse_command(d, FRAME(0x12, 0x34), &back, NULL, &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
        assert_string_equal(error->message,
                            "acme-gun: 2 bytes '12 34' match no [Commands] template");
    }
    {
        /* level 21 is outside Levels 1..20: no command */
        g_autoptr(GError) error = NULL;
        assert_false(
            mp_driver_parse_command(d, FRAME(0xaa, 0x17, 0x02, 0x15, 0x00), &back, NULL, &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
    }
    {
        /* truncated and oversized */
        g_autoptr(GError) error = NULL;
        assert_false(
            mp_driver_parse_command(d, FRAME(0xaa, 0x01, 0x01, 0x00), &back, NULL, &error));
        g_clear_error(&error);
        assert_false(mp_driver_parse_command(d, FRAME(0xaa, 0x01, 0x01, 0x00, 0x00, 0x00), &back,
                                             NULL, &error));
    }
}

static void test_decode(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    MpReading r;
    {
        g_autoptr(GError) error = NULL;
        /* running, level 11, 2400 rpm; byte 1 is a wildcard */
        assert_true(mp_driver_decode(d, d->notify_uuid,
                                     FRAME(0xbb, 0x7f, 0x01, 0x0b, 0x09, 0x60, 0xaf), &r, &error));
        assert_int_equal(r.fields, MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED);
        assert_true(r.running);
        assert_true(fabs(r.intensity - 1000.0 / 19.0) < 1e-9);
        assert_int_equal(r.speed, 2400);
        g_autofree char *s = mp_reading_to_string(&r);
        assert_string_equal(s, "running=yes intensity=52.6316 speed=2400");
    }
    {
        g_autoptr(GError) error = NULL;
        assert_true(mp_driver_decode(d, d->notify_uuid, FRAME(0xbc, 0x55), &r, &error));
        assert_int_equal(r.fields, MP_READING_BATTERY);
        assert_int_equal(r.battery, 85);
        assert_true(mp_driver_decode(d, d->notify_uuid, FRAME(0xbd, 0x07, 0xba), &r, &error));
        assert_int_equal(r.fields, MP_READING_ERROR);
        assert_int_equal(r.error_code, 7);
        /* The standard Battery Level characteristic. */
        assert_true(mp_driver_decode(d, "2a19", FRAME(0x40), &r, &error));
        assert_int_equal(r.fields, MP_READING_BATTERY);
        assert_int_equal(r.battery, 64);
    }
    const struct {
        const guint8 *bytes;
        gsize len;
        const char *uuid;
        gint code;
        const char *message;
    } bad[] = {
        {FRAME(0xbb, 0x00, 0x01, 0x0b, 0x09, 0x60, 0x31), NULL, MP_ERROR_CHECKSUM,
         "acme-gun: [Notifications] State: bad checksum in 'bb 00 01 0b 09 60 31': sum8(0..5) at "
         "byte 6 is 0x31, expected 0x30"},
        {FRAME(0xbc, 0x65), NULL, MP_ERROR_INVALID,
         "acme-gun: [Notifications] Battery: battery 101% is above 100%"},
        {FRAME(0xbb, 0x00, 0x01, 0x15, 0x00, 0x00, 0xd1), NULL, MP_ERROR_INVALID,
         "acme-gun: [Notifications] State: level 21 is outside Levels 1..20"},
        {FRAME(0xbb, 0x00, 0x01, 0x01, 0x0c, 0x81, 0x4a), NULL, MP_ERROR_INVALID,
         "acme-gun: [Notifications] State: speed 3201 is above Speed 1000..3200"},
        {FRAME(0xbc), NULL, MP_ERROR_INVALID,
         "acme-gun: 1 bytes 'bc' match no [Notifications] rule"},
        {FRAME(0xbc, 0x55, 0x00), NULL, MP_ERROR_INVALID,
         "acme-gun: 3 bytes 'bc 55 00' match no [Notifications] rule"},
        {(const guint8 *)"", 0, NULL, MP_ERROR_INVALID, "acme-gun: empty notification"},
        {FRAME(0x65), "2a19", MP_ERROR_INVALID,
         "acme-gun: Battery Level (0x2A19) must be one byte 0..100, got '65'"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        assert_false(mp_driver_decode(d, bad[i].uuid ? bad[i].uuid : d->notify_uuid, bad[i].bytes,
                                      bad[i].len, &r, &error));
        assert_non_null(error);
        if (!g_error_matches(error, MP_ERROR, bad[i].code))
            fail_msg("case %zu: code %d: %s", i, error->code, error->message);
        assert_string_equal(error->message, bad[i].message);
    }
    /* A file without rules says so. */
    g_autoptr(MpDriver) mm = load(SOURCE_DATADIR "/devices/magic-motion-v1.device");
    g_autoptr(GError) error = NULL;
    assert_false(mp_driver_decode(mm, NULL, FRAME(0x01), &r, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
}

static void test_encode_reading(void **state)
{
    (void)state;
    g_autoptr(MpDriver) d = load(GOOD "acme-gun.device");
    g_autoptr(GError) error = NULL;
    MpReading r = {.fields = MP_READING_RUNNING | MP_READING_SPEED | MP_READING_INTENSITY,
                   .running = TRUE,
                   .speed = 2400,
                   .intensity = 50};
    g_autoptr(GBytes) state_frame = mp_driver_encode_reading(d, &r, &error);
    assert_non_null(state_frame);
    /* Wildcard written as 00; level 11; sum8 over 0..5. */
    assert_bytes(state_frame, FRAME(0xbb, 0x00, 0x01, 0x0b, 0x09, 0x60, 0x30));
    MpReading back;
    gsize len;
    const guint8 *data = g_bytes_get_data(state_frame, &len);
    assert_true(mp_driver_decode(d, d->notify_uuid, data, len, &back, &error));
    assert_int_equal(back.speed, 2400);
    assert_true(back.running);

    MpReading battery = {.fields = MP_READING_BATTERY, .battery = 85};
    g_autoptr(GBytes) bf = mp_driver_encode_reading(d, &battery, &error);
    assert_bytes(bf, FRAME(0xbc, 0x55));

    /* No rule reports battery and speed together. */
    MpReading both = {.fields = MP_READING_BATTERY | MP_READING_SPEED, .battery = 5, .speed = 1};
    assert_null(mp_driver_encode_reading(d, &both, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    MpReading force = {.fields = MP_READING_FORCE, .force = 3};
    assert_null(mp_driver_encode_reading(d, &force, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
    g_clear_error(&error);
    MpReading big = {.fields = MP_READING_ERROR, .error_code = 300};
    assert_null(mp_driver_encode_reading(d, &big, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_RANGE));
}

/* Each file in the corpus starts "# expect: REST"; the error must be PATH REST. */
static void test_error_corpus(void **state)
{
    (void)state;
    g_autoptr(GDir) dir = g_dir_open(BAD, 0, NULL);
    assert_non_null(dir);
    const char *name;
    guint n = 0;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".device"))
            continue;
        g_autofree char *path = g_build_filename(BAD, name, NULL);
        g_autofree char *text = NULL;
        assert_true(g_file_get_contents(path, &text, NULL, NULL));
        assert_true(g_str_has_prefix(text, "# expect: "));
        char *nl = strchr(text, '\n');
        g_autofree char *rest = g_strndup(text + 10, (gsize)(nl - text - 10));
        g_autofree char *want = g_strconcat(path, rest, NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(MpDriver) d = mp_device_file_load(path, &error);
        if (d)
            fail_msg("%s: loaded, expected: %s", name, want);
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
        if (!g_str_equal(error->message, want))
            fail_msg("%s:\n  got  %s\n  want %s", name, error->message, want);
        n++;
    }
    assert_true(n >= 50);
}

static void test_load_missing(void **state)
{
    (void)state;
    g_autoptr(GError) error = NULL;
    assert_null(mp_device_file_load(TEST_DATADIR "/data/devices/no-such.device", &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_NOT_FOUND));
}

/* Text with a NUL inside is not a device file, whatever follows. */
static void test_parse_nul(void **state)
{
    (void)state;
    static const char text[] = "[Device]\nName = a\0b\n";
    g_autoptr(GError) error = NULL;
    assert_null(mp_device_file_parse(text, sizeof text - 1, "nul.device", &error));
    assert_string_equal(error->message, "nul.device:2: contains a NUL byte: not a text file");
}

/* The comment rule programmes have (protocol/key-file.h): a trailing '#' or
 * ';' after a blank is a comment, "\;" keeps one; CRLF and a byte order
 * mark are fine. A NUL byte is reported before a later UTF-8 error, as the
 * file is not text. */
static void test_shared_syntax(void **state)
{
    (void)state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MpDriver) d = parse("\xEF\xBB\xBF[Device]   # the device\r\n"
                                  "Name = x ; its name\r\n"
                                  "Kind = vibration\r\n"
                                  "NamePatterns = A*;B* \\; C*   # three\r\n"
                                  "Service = 180a\r\nWrite = 2a00\r\n"
                                  "[Commands]\r\nStop = 00 # off\r\n",
                                  &error);
    if (!d)
        fail_msg("%s", error->message);
    assert_string_equal(d->name, "x");
    assert_int_equal(g_strv_length(d->name_patterns), 3);
    assert_string_equal(d->name_patterns[2], "C*");
    static const char text[] = "[Device]\nName = \xC3\x28\nKind = a\0b\n";
    g_autoptr(GError) nul = NULL;
    assert_null(mp_device_file_parse(text, sizeof text - 1, "t.device", &nul));
    assert_string_equal(nul->message, "t.device:3: contains a NUL byte: not a text file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_encode_every_command),
        cmocka_unit_test(test_encode_two_frames),
        cmocka_unit_test(test_every_checksum),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_shipped_files),
        cmocka_unit_test(test_parse_command_round_trip),
        cmocka_unit_test(test_parse_command_refuses),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_encode_reading),
        cmocka_unit_test(test_error_corpus),
        cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_parse_nul),
        cmocka_unit_test(test_shared_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
