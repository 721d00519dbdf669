/* The daemon's configuration parser, duration parser, programme-id slugs and
 * the error table, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "daemon/msd-config.h"
#include "daemon/msd-error.h"
#include "daemon/programme-store.h"
#include "protocol/timespan.h"

/* The configuration's durations: the programme grammar (protocol/timespan.h)
 * plus a bare number read as seconds. "5 s" and "1.5s" were refused before
 * the configuration used the one parser; they now mean what they mean in a
 * programme. */
static void test_durations(void **state)
{
    static const struct {
        const char *text;
        gboolean ok;
        guint64 ms;
    } cases[] = {
        {"90s", TRUE, 90000},  {"2min", TRUE, 120000}, {"1m30s", TRUE, 90000}, {"500ms", TRUE, 500},
        {"1h", TRUE, 3600000}, {"30", TRUE, 30000},    {" 5s ", TRUE, 5000},   {"", FALSE, 0},
        {"s", FALSE, 0},       {"5 s", TRUE, 5000},    {"-5s", FALSE, 0},      {"5x", FALSE, 0},
        {"1.5s", TRUE, 1500},  {"5s5", FALSE, 0},      {"1.5", TRUE, 1500},    {"1m30", FALSE, 0},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint64 ms = 0;
        gboolean ok = mp_timespan_parse_full(cases[i].text, MP_TIMESPAN_BARE_SECONDS,
                                             MP_TIMESPAN_MAX_MS, &ms, NULL);
        if (ok != cases[i].ok)
            fail_msg("\"%s\": expected %s", cases[i].text, cases[i].ok ? "ok" : "an error");
        if (ok)
            assert_int_equal(ms, cases[i].ms);
    }
}

static void test_config_good(void **state)
{
    MsdConfig c;
    msd_config_init(&c);
    MpSafetyLimits ceil;
    mp_safety_limits_init(&ceil);
    g_autoptr(GError) error = NULL;
    const char *text = "[Safety]\nMaxIntensity=50%\nMaxSessionTime=10min\n"
                       "MinZoneRest=1min\nMaxMuscleTime=4min\n"
                       "[Reconnect]\nWindow=20s\nInitialDelay=250ms\nMaxDelay=2s\n"
                       "[Devices]\nDirectory=/srv/devices\n[Bluetooth]\nAdapter=hci1\n";
    assert_true(msd_config_load_data(&c, text, "a.conf", &error));
    assert_true(c.safety.max_intensity == 50.0);
    assert_int_equal(c.safety.max_session_ms, 600000);
    assert_int_equal(c.safety.min_rest_ms, 60000); /* a longer rest is stricter */
    assert_int_equal(c.safety.max_muscle_ms, 240000);
    assert_int_equal(c.safety.max_zone_ms, ceil.max_zone_ms);
    assert_true(c.safety.max_rise_per_s == ceil.max_rise_per_s); /* untouched */
    assert_int_equal(c.reconnect_window_ms, 20000);
    assert_int_equal(c.backoff_initial_ms, 250);
    assert_int_equal(c.backoff_max_ms, 2000);
    assert_string_equal(c.device_dir, "/srv/devices");
    assert_string_equal(c.adapter, "hci1");
    /* A later drop-in overrides one key and keeps the rest. */
    assert_true(msd_config_load_data(&c, "[Safety]\nMaxIntensity=40\n", "b.conf", &error));
    assert_true(c.safety.max_intensity == 40.0);
    assert_int_equal(c.safety.max_session_ms, 600000);
    msd_config_clear(&c);
}

static void test_config_errors(void **state)
{
    static const struct {
        const char *text;
        const char *message; /* a part of the error message */
    } cases[] = {
        {"[Safety]\nMaxIntensity=150%\n",
         "x.conf:2: [Safety] MaxIntensity: 150 is above the hard ceiling"},
        {"[Safety]\nMaxIntensity=lots\n", "[Safety] MaxIntensity: \"lots\" is not a percentage"},
        {"[Safety]\nMaxSessionTime=forever\n",
         "[Safety] MaxSessionTime: \"forever\" is not a duration"},
        {"[Safety]\nMaxIntensty=50%\n", "[Safety] MaxIntensty: unknown key"},
        {"[Safety]\nMinZoneRest=29s\n",
         "x.conf:2: [Safety] MinZoneRest: 29s is below the hard floor of 30000 ms"},
        {"[Safety]\nMinZoneRest=2h\n", "[Safety] MinZoneRest: 2h is above 3600000 ms"},
        {"[Safety]\nMinZoneRest=soon\n", "[Safety] MinZoneRest: \"soon\" is not a duration"},
        {"[Safety]\nMaxMuscleTime=301s\n",
         "x.conf:2: [Safety] MaxMuscleTime: 301s is above the hard ceiling"},
        {"[Safety]\nMaxSessionTime=1m30\n",
         "x.conf:2: [Safety] MaxSessionTime: \"1m30\" needs a unit"},
        {"[Safety]\nMaxSessionTime=\n", "x.conf:2: [Safety] MaxSessionTime: is empty"},
        {"[Reconnect]\nWindow=30h\n", "[Reconnect] Window: \"30h\" is too long (at most 24h)"},
        {"\n[History]\nKeepDays=x\n", "x.conf:3: [History] KeepDays: \"x\" is not a whole"},
        {"[Safty]\n", "[Safty]: unknown group"},
        {"[Reconnect]\nInitialDelay=0s\n", "[Reconnect] InitialDelay: must be above 0"},
        {"[Reconnect]\nInitialDelay=5s\nMaxDelay=1s\n", "[Reconnect] MaxDelay: must not be below"},
        {"[Reconnect]\nWindow=2h\n", "[Reconnect] Window: 2h is above the hard ceiling"},
        {"[Bluetooth]\nAdapter=wlan0\n", "[Bluetooth] Adapter: \"wlan0\" is not an adapter name"},
        {"[Devices]\nDirectory=relative/dir\n",
         "[Devices] Directory: \"relative/dir\" is not an absolute"},
        {"not a key file", "x.conf:"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        MsdConfig c;
        msd_config_init(&c);
        double before = c.safety.max_intensity;
        g_autoptr(GError) error = NULL;
        assert_false(msd_config_load_data(&c, cases[i].text, "x.conf", &error));
        assert_non_null(error);
        assert_true(g_error_matches(error, MSD_ERROR, MSD_ERROR_CONFIG));
        if (!strstr(error->message, cases[i].message))
            fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, error->message,
                     cases[i].message);
        assert_true(c.safety.max_intensity == before); /* nothing applied */
        msd_config_clear(&c);
    }
}

static void test_slugs(void **state)
{
    static const struct {
        const char *name, *slug;
    } cases[] = {
        {"Hamstring release", "hamstring-release"},
        {"My Own: Release!", "my-own-release"},
        {"  --Spaces--  ", "spaces"},
        {"Ischio-jambiers (étirement)", "ischio-jambiers-tirement"},
        {"", "programme"},
        {"!!!", "programme"},
        {"A1 b2", "a1-b2"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = msd_programme_slug(cases[i].name);
        assert_string_equal(s, cases[i].slug);
    }
}

/* Every code has its own org.massaged.Error.* name in common/error.c's table
 * (the count is checked when it compiles; this checks the rows), and GDBus
 * maps it both ways. */
static void test_error_names(void **state)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (gint code = 0; code < MSD_ERROR_N_CODES; code++) {
        const char *want = msd_error_dbus_name((MsdError)code);
        assert_non_null(want);
        assert_true(g_str_has_prefix(want, "org.massaged.Error."));
        assert_true(g_hash_table_add(seen, (gpointer)want)); /* no name twice */
        g_autoptr(GError) e = g_error_new_literal(MSD_ERROR, code, "x");
        g_autofree char *name = g_dbus_error_encode_gerror(e);
        assert_string_equal(name, want);
        /* And back: a client's GError gets our domain and code. */
        g_autoptr(GError) back = g_dbus_error_new_for_dbus_error(want, "y");
        assert_true(g_error_matches(back, MSD_ERROR, code));
        MsdError found;
        assert_true(msd_error_from_dbus_name(want, &found));
        assert_int_equal(found, code);
    }
    assert_null(msd_error_dbus_name((MsdError)MSD_ERROR_N_CODES));
    /* Spot checks against the documented names (docs/dbus-api.md). */
    assert_string_equal(msd_error_dbus_name(MSD_ERROR_BUSY), "org.massaged.Error.Busy");
    assert_string_equal(msd_error_dbus_name(MSD_ERROR_CONFIG), "org.massaged.Error.Config");
    MsdError unused;
    assert_false(msd_error_from_dbus_name("org.freedesktop.DBus.Error.AccessDenied", &unused));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),     cmocka_unit_test(test_config_good),
        cmocka_unit_test(test_config_errors), cmocka_unit_test(test_slugs),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
