/* The one duration parser's bare-number rule and bound, and the one span
 * formatter's two styles (protocol/timespan.h). The programme grammar itself
 * is tested in test-programme-parse.c, the configurations' use of it in
 * test-daemon-config.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/mp-error.h"
#include "protocol/timespan.h"

/* A configuration reads a lone number as seconds; a programme never does. */
static void test_bare_seconds(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        guint64 ms;
    } good[] = {{"30", 30000}, {" 30 ", 30000}, {"1.5", 1500}, {"0", 0}, {"90s", 90000}};
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        guint64 ms = 1;
        g_autoptr(GError) error = NULL;
        assert_true(mp_timespan_parse_full(good[i].text, MP_TIMESPAN_BARE_SECONDS,
                                           MP_TIMESPAN_MAX_MS, &ms, &error));
        assert_int_equal(ms, good[i].ms);
        /* The same text in a programme needs its unit. */
        if (i < 4) { /* the lone numbers */
            g_autoptr(GError) strict = NULL;
            assert_false(mp_timespan_parse(good[i].text, &ms, &strict));
            assert_non_null(g_strstr_len(strict->message, -1, "needs a unit"));
        }
    }
    static const struct {
        const char *text;
        const char *message;
    } bad[] = {
        /* Only a lone number: a later part still needs its unit. */
        {"1m30", "\"1m30\" needs a unit: write 1m30s for seconds, or use ms, min or h"},
        {"fast", "\"fast\" is not a duration; write e.g. 30 (seconds), 90s, 1m30s, 2min or 500ms"},
        {"", "is empty; write a duration such as 30 (seconds) or 90s"},
        {"30 x", "\"x\" is not a time unit; use ms, s, min or h"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        guint64 ms = 0;
        g_autoptr(GError) error = NULL;
        assert_false(mp_timespan_parse_full(bad[i].text, MP_TIMESPAN_BARE_SECONDS,
                                            MP_TIMESPAN_MAX_MS, &ms, &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
        assert_string_equal(error->message, bad[i].message);
    }
}

/* The bound is the caller's (never above a day), and the error names it. */
static void test_bound(void **state)
{
    (void)state;
    guint64 ms = 0;
    assert_true(mp_timespan_parse_full("1h", MP_TIMESPAN_BARE_SECONDS, 3600000, &ms, NULL));
    assert_int_equal(ms, 3600000);
    g_autoptr(GError) error = NULL;
    assert_false(mp_timespan_parse_full("3601", MP_TIMESPAN_BARE_SECONDS, 3600000, &ms, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_RANGE));
    assert_string_equal(error->message, "\"3601\" is too long (at most 1h)");
    g_autoptr(GError) big = NULL;
    assert_false(mp_timespan_parse_full("25h", 0, G_MAXUINT64, &ms, &big));
    assert_string_equal(big->message, "\"25h\" is too long (at most 24h)");
    g_autoptr(GError) minute = NULL;
    assert_false(mp_timespan_parse_full("1m1s", 0, 60000, &ms, &minute));
    assert_string_equal(minute->message, "\"1m1s\" is too long (at most 1min)");
}

/* One formatter, two styles: the long one exact, the compact one to the
 * second (one decimal below 10 s). */
static void test_styles(void **state)
{
    (void)state;
    static const struct {
        guint64 ms;
        const char *lng, *compact;
    } cases[] = {
        {0, "0s", "0s"},
        {999, "999ms", "999ms"},
        {1000, "1s", "1s"},
        {1250, "1.25s", "1.2s"},
        {9999, "9.999s", "10.0s"},
        {12500, "12.5s", "12s"},
        {60000, "1min", "1m"},
        {61500, "1min 1.5s", "1m1s"},
        {3600500, "1h 0.5s", "1h"},
        {3661000, "1h 1min 1s", "1h1m1s"},
        {86400000, "24h", "24h"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *l = mp_timespan_format_style(cases[i].ms, MP_TIMESPAN_STYLE_LONG);
        g_autofree char *c = mp_timespan_format_style(cases[i].ms, MP_TIMESPAN_STYLE_COMPACT);
        g_autofree char *d = mp_timespan_format(cases[i].ms);
        assert_string_equal(l, cases[i].lng);
        assert_string_equal(c, cases[i].compact);
        assert_string_equal(d, l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bare_seconds),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_styles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
