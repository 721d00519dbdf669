/* The helpers every driver shares: hex frames, UUIDs, names, readings. */
#include "driver-vectors.h"

static void assert_hex(const char *text, const guint8 *want, gsize want_len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = mp_hex_parse(text, &error);
    if (!got)
        fail_msg("'%s': %s", text, error->message);
    assert_bytes(got, want, want_len);
}

static void assert_hex_fails(const char *text, const char *needle)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) got = mp_hex_parse(text, &error);
    assert_null(got);
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
    if (!strstr(error->message, needle))
        fail_msg("'%s' not in '%s'", needle, error->message);
}

static void test_hex_parse_forms(void **state)
{
    (void)state;
    assert_hex("aa 70 01 03 09 60 03", FRAME(0xaa, 0x70, 0x01, 0x03, 0x09, 0x60, 0x03));
    assert_hex("aa7001030960 03", FRAME(0xaa, 0x70, 0x01, 0x03, 0x09, 0x60, 0x03));
    assert_hex("AA:70:01", FRAME(0xaa, 0x70, 0x01));
    assert_hex("0xAA 0x70,0x01", FRAME(0xaa, 0x70, 0x01));
    assert_hex("  aa\t70\r\n01  ", FRAME(0xaa, 0x70, 0x01));
    assert_hex("00", FRAME(0x00));
    assert_hex("ff", FRAME(0xff));
}

static void test_hex_parse_errors(void **state)
{
    (void)state;
    assert_hex_fails("", "no bytes");
    assert_hex_fails("   ", "no bytes");
    assert_hex_fails(NULL, "no bytes");
    assert_hex_fails("aa7", "odd number");
    assert_hex_fails("aa 7", "odd number");
    assert_hex_fails("zz", "'z' is not a hex digit");
    assert_hex_fails("aa 0x", "no hex digits");
    assert_hex_fails("aa-70", "'-' is not a hex digit");
    assert_hex_fails("a\x01", "'?' is not a hex digit");
}

static void test_hex_format(void **state)
{
    (void)state;
    const guint8 bytes[] = {0xaa, 0x70, 0x01, 0x03, 0x09, 0x60, 0x03};
    g_autofree char *s = mp_hex_format(bytes, sizeof bytes);
    assert_string_equal(s, "aa 70 01 03 09 60 03");
    g_autofree char *one = mp_hex_format((const guint8[]){0x0f}, 1);
    assert_string_equal(one, "0f");
    g_autofree char *none = mp_hex_format(NULL, 0);
    assert_string_equal(none, "");
    /* parse(format(x)) == x for every byte value */
    guint8 all[256];
    for (guint i = 0; i < 256; i++)
        all[i] = (guint8)i;
    g_autofree char *text = mp_hex_format(all, sizeof all);
    g_autoptr(GBytes) back = mp_hex_parse(text, NULL);
    assert_bytes(back, all, sizeof all);
}

static void assert_uuid(const char *in, const char *want)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *got = mp_uuid_normalise(in, &error);
    if (!got)
        fail_msg("'%s': %s", in, error->message);
    assert_string_equal(got, want);
}

static void assert_not_uuid(const char *in)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *got = mp_uuid_normalise(in, &error);
    if (got)
        fail_msg("'%s' was accepted as %s", in ? in : "(null)", got);
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
}

static void test_uuid_normalise(void **state)
{
    (void)state;
    assert_uuid("180f", "0000180f-0000-1000-8000-00805f9b34fb");
    assert_uuid("0x180F", "0000180f-0000-1000-8000-00805f9b34fb");
    assert_uuid(" FFE0 ", "0000ffe0-0000-1000-8000-00805f9b34fb");
    assert_uuid("0000ffe1", "0000ffe1-0000-1000-8000-00805f9b34fb");
    assert_uuid("6E400001-B5A3-F393-E0A9-E50E24DCCA9E", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
    assert_uuid("6e400001b5a3f393e0a9e50e24dcca9e", "6e400001-b5a3-f393-e0a9-e50e24dcca9e");
    assert_not_uuid(NULL);
    assert_not_uuid("");
    assert_not_uuid("0x");
    assert_not_uuid("18f");
    assert_not_uuid("180g");
    assert_not_uuid("12345");
    /* Hyphens in the wrong places, or an extra hyphen for a digit. */
    assert_not_uuid("6e40000-1b5a3-f393-e0a9-e50e24dcca9e");
    assert_not_uuid("6e400001-b5a3-f393-e0a9-e50e-4dcca9e0");
    assert_not_uuid("6e400001-b5a3-f393-e0a9-e50e24dcca9");
    assert_not_uuid("6e400001xb5a3-f393-e0a9-e50e24dcca9e");
    assert_not_uuid("6e400001-b5a3-f393-e0a9-e50e24dcca9e0");
}

static void test_uuid_equal(void **state)
{
    (void)state;
    assert_true(mp_uuid_equal("180f", "0000180F-0000-1000-8000-00805F9B34FB"));
    assert_true(mp_uuid_equal("0x2a19", "2A19"));
    assert_false(mp_uuid_equal("180f", "180a"));
    assert_false(mp_uuid_equal("180f", NULL));
    assert_false(mp_uuid_equal("bogus", "bogus"));
}

static void test_names(void **state)
{
    (void)state;
    for (int k = MP_CMD_START; k <= MP_CMD_BATTERY; k++) {
        MpCommandKind back;
        assert_true(mp_command_kind_from_string(mp_command_kind_to_string(k), &back));
        assert_int_equal(back, k);
    }
    MpCommandKind ck;
    assert_false(mp_command_kind_from_string("explode", &ck));
    assert_string_equal(mp_command_kind_to_string(99), "unknown");
    MpDeviceKind dk;
    assert_true(mp_device_kind_from_string("vibration", &dk));
    assert_int_equal(dk, MP_KIND_VIBRATION);
    assert_false(mp_device_kind_from_string("laser", &dk));
}

static void test_reading_to_string(void **state)
{
    (void)state;
    MpReading r = {.fields = MP_READING_RUNNING | MP_READING_SPEED | MP_READING_BATTERY,
                   .running = TRUE,
                   .speed = 2400,
                   .battery = 85};
    g_autofree char *s = mp_reading_to_string(&r);
    assert_string_equal(s, "running=yes speed=2400 battery=85");
    MpReading a = {.fields = MP_READING_ACK, .ack_seq = 5, .ack_status = 0};
    g_autofree char *t = mp_reading_to_string(&a);
    assert_string_equal(t, "ack_seq=5 ack_status=0");
}

/* The built-in drivers are complete: every hook is set. */
/* The silence rule's limit: twice the keepalive until the device says its
 * watchdog; then that watchdog less a sixth, never below twice the keepalive.
 * Too low pauses sessions for stalls the device forgave (a busy host); too
 * high lets a device that did stop be driven again unramped. */
static void test_silence_limit(void **state)
{
    assert_int_equal(mp_silence_limit_ms(0, 0), 0);       /* no watchdog: no limit */
    assert_int_equal(mp_silence_limit_ms(0, 3000), 0);    /* a driver without keepalives */
    assert_int_equal(mp_silence_limit_ms(1000, 0), 2000); /* not said: the shortest allowed */
    assert_int_equal(mp_silence_limit_ms(1000, 3000), 2500);
    assert_int_equal(mp_silence_limit_ms(1000, 2000), 2000); /* never below twice */
    assert_int_equal(mp_silence_limit_ms(1000, 1200), 2000);
    assert_int_equal(mp_silence_limit_ms(1000, 60000), 50000);
    /* Always short of the device's own watchdog once it is above the floor. */
    for (guint w = 2400; w <= 65535; w += 97)
        assert_true(mp_silence_limit_ms(1000, w) < w);
}

/* The built-ins are data (MpDriverSpec): UUIDs normalised, a NULL list
 * empty, every other field copied. */
static void test_driver_from_spec(void **state)
{
    (void)state;
    static const MpDriverSpec spec = {
        .name = "x",
        .description = "d",
        .kind = MP_KIND_VIBRATION,
        .service_uuid = "0xFFE0",
        .write_uuid = "FFE2",
        .write_type = MP_WRITE_WITH_RESPONSE,
        .min_gap_ms = 7,
        .keepalive_ms = 9,
        .speed_min = 1,
        .speed_max = 5,
        .speed_unit = "u",
        .uses_seq = TRUE,
        .reports_changes = TRUE,
    };
    g_autoptr(MpDriver) d = mp_driver_new_from_spec(&spec);
    assert_string_equal(d->name, "x");
    assert_string_equal(d->description, "d");
    assert_string_equal(d->origin, "built-in");
    assert_int_equal(d->kind, MP_KIND_VIBRATION);
    assert_string_equal(d->service_uuid, "0000ffe0-0000-1000-8000-00805f9b34fb");
    assert_string_equal(d->write_uuid, "0000ffe2-0000-1000-8000-00805f9b34fb");
    assert_null(d->notify_uuid);
    assert_null(d->name_patterns[0]);
    assert_null(d->read_uuids[0]);
    assert_int_equal(d->write_type, MP_WRITE_WITH_RESPONSE);
    assert_int_equal(d->min_gap_ms, 7);
    assert_int_equal(d->keepalive_ms, 9);
    assert_int_equal(d->speed_min, 1);
    assert_int_equal(d->speed_max, 5);
    assert_string_equal(d->speed_unit, "u");
    assert_true(d->uses_seq);
    assert_true(d->reports_changes);
}

static void test_builtins_complete(void **state)
{
    (void)state;
    MpDriver *(*ctors[])(void) = {mp_driver_reference_new, mp_driver_theragun_new,
                                  mp_driver_lovense_new};
    for (gsize i = 0; i < G_N_ELEMENTS(ctors); i++) {
        g_autoptr(MpDriver) d = ctors[i]();
        assert_non_null(d->name);
        assert_non_null(d->description);
        assert_string_equal(d->origin, "built-in");
        assert_non_null(d->service_uuid);
        assert_non_null(d->write_uuid);
        assert_non_null(d->notify_uuid);
        assert_non_null(d->speed_unit);
        assert_non_null(d->encode);
        assert_non_null(d->decode);
        assert_non_null(d->parse_command);
        assert_non_null(d->encode_reading);
        assert_true(d->speed_min <= d->speed_max);
        /* Stop always encodes. */
        g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        MpCommand stop = {MP_CMD_STOP, 0};
        assert_true(mp_driver_encode(d, &stop, 0, frames, NULL));
        assert_true(frames->len >= 1);
        /* The stored UUIDs are already normalised. */
        g_autofree char *n = mp_uuid_normalise(d->service_uuid, NULL);
        assert_string_equal(n, d->service_uuid);
    }
}

/* Random and mutated bytes never crash a decoder or a command parser: each
 * call either succeeds or fails with an MP_ERROR that names the driver. Run
 * under ASan/UBSan by ./dev test. Fixed seed: a failure reproduces. */
static void check_outcome(const MpDriver *d, gboolean ok, GError *error)
{
    if (ok) {
        assert_null(error);
        return;
    }
    assert_non_null(error);
    assert_true(error->domain == MP_ERROR);
    assert_true(g_str_has_prefix(error->message, d->name));
}

static void fuzz_one(const MpDriver *d, const guint8 *data, gsize len)
{
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    MpReading r;
    MpCommand cmd;
    guint8 seq;
    /* Results first: argument evaluation order is unspecified in C. */
    gboolean decoded = mp_driver_decode(d, d->notify_uuid, data, len, &r, &e1);
    check_outcome(d, decoded, e1);
    if (decoded)
        g_free(mp_reading_to_string(&r));
    gboolean parsed = mp_driver_parse_command(d, data, len, &cmd, &seq, &e2);
    check_outcome(d, parsed, e2);
}

static void test_fuzz_never_crashes(void **state)
{
    (void)state;
    MpDriver *(*ctors[])(void) = {mp_driver_reference_new, mp_driver_theragun_new,
                                  mp_driver_lovense_new};
    const char *seeds[] = {"01 81 03 06 01 37 60 09 00 55 34 50",
                           "bb 85 10 0b 01 00 00 00 00 00 00 00 00 09 60", "43 3a 31 31 3b"};
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261123);
    for (gsize i = 0; i < G_N_ELEMENTS(ctors); i++) {
        g_autoptr(MpDriver) d = ctors[i]();
        g_autoptr(GBytes) seed = mp_hex_parse(seeds[i], NULL);
        gsize seed_len;
        const guint8 *seed_data = g_bytes_get_data(seed, &seed_len);
        for (guint round = 0; round < 20000; round++) {
            guint8 buf[40];
            gsize len;
            if (round % 2) {
                /* A real frame with a few bytes changed, cut or extended. */
                memcpy(buf, seed_data, seed_len);
                len = seed_len;
                for (guint k = g_rand_int_range(rand, 1, 4); k > 0; k--)
                    buf[g_rand_int_range(rand, 0, (gint32)len)] = (guint8)g_rand_int(rand);
                len = (gsize)g_rand_int_range(rand, 0, (gint32)sizeof buf);
                for (gsize j = seed_len; j < len; j++)
                    buf[j] = (guint8)g_rand_int(rand);
            } else {
                len = (gsize)g_rand_int_range(rand, 0, (gint32)sizeof buf);
                for (gsize j = 0; j < len; j++)
                    buf[j] = (guint8)g_rand_int(rand);
            }
            /* An exact-size heap copy, so ASan sees any read past the end. */
            g_autofree guint8 *copy = g_memdup2(buf, len);
            fuzz_one(d, copy, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_parse_forms),   cmocka_unit_test(test_hex_parse_errors),
        cmocka_unit_test(test_hex_format),        cmocka_unit_test(test_uuid_normalise),
        cmocka_unit_test(test_uuid_equal),        cmocka_unit_test(test_names),
        cmocka_unit_test(test_reading_to_string), cmocka_unit_test(test_builtins_complete),
        cmocka_unit_test(test_driver_from_spec),  cmocka_unit_test(test_fuzz_never_crashes),
        cmocka_unit_test(test_silence_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
