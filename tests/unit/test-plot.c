/* The terminal chart: exact text for a small programme in both modes, pulse
 * peaks kept in wide columns, clamped sizes, and every built-in programme
 * drawn within the width asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/plot.h"

static MpTimeline *timeline_of(const char *text)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    g_autoptr(MpProgramme) p =
        mp_programme_load(text, strlen(text), "plot.programme", &limits, diags);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, i));
        print_error("unexpected: %s\n", s);
    }
    assert_non_null(p);
    return mp_timeline_new(p);
}

/* 40 s in all: each 1 s of programme is one column of a 46-column chart. */
static const char small[] = "[Programme]\n"
                            "Name=Plot test\n"
                            "Kind=any\n"
                            "Sides=left,right\n"
                            "[Step up]\n"
                            "Muscle=hamstrings\n"
                            "Duration=10s\n"
                            "Intensity=ramp 0% 40%\n"
                            "[Step hold]\n"
                            "Muscle=biceps-femoris\n"
                            "Duration=5s\n"
                            "Intensity=40%\n"
                            "[Step rest]\n"
                            "Duration=5s\n";

/* Column c of the ramp peaks at 4c + 3.94 %; rows are 10 % high, so column 0
 * fills 3/8 of the bottom row, column 2 the bottom row and 2/8 of the next. */
static const char small_utf8[] = " 40% ┤       ▂▅██████            ▂▅██████\n"
                                 "     │     ▃▆████████          ▃▆████████\n"
                                 " 20% ┤  ▂▅███████████       ▂▅███████████\n"
                                 "     │▃▆█████████████     ▃▆█████████████\n"
                                 "  0% └──────────┬─────────┬─────────┬─────────\n"
                                 "      0s        10s       20s       30s\n"
                                 "      up        hold rest up        hold rest\n"
                                 "      ├────── left ──────┤├───── right ──────┤\n";

static const char small_ascii[] = " 40% +       .:######            .:######\n"
                                  "     |     .:########          .:########\n"
                                  " 20% +  .:###########       .:###########\n"
                                  "     |.:#############     .:#############\n"
                                  "  0% +----------+---------+---------+---------\n"
                                  "      0s        10s       20s       30s\n"
                                  "      up        hold rest up        hold rest\n"
                                  "      <------ left ------><----- right ------>\n";

static void test_small_utf8(void **state)
{
    g_autoptr(MpTimeline) tl = timeline_of(small);
    MpPlotOptions o = {.width = 46, .height = 4, .utf8 = TRUE};
    g_autofree char *text = mp_plot_render(tl, &o);
    assert_string_equal(text, small_utf8);
}

static void test_small_ascii(void **state)
{
    g_autoptr(MpTimeline) tl = timeline_of(small);
    MpPlotOptions o = {.width = 46, .height = 4, .utf8 = FALSE};
    g_autofree char *text = mp_plot_render(tl, &o);
    assert_string_equal(text, small_ascii);
    for (const char *c = text; *c; c++)
        assert_true((unsigned char)*c < 0x80);
}

/* 70 s over 14 columns: 5 s per column, and a 1 s pulse in each. The chart
 * shows the peaks, not an average that would hide how hard the taps are. */
static void test_pulse_peaks(void **state)
{
    g_autoptr(MpTimeline) tl = timeline_of("[Programme]\n"
                                           "Name=Pulse test\n"
                                           "Kind=any\n"
                                           "[Step start]\n"
                                           "Muscle=hamstrings\n"
                                           "Duration=10s\n"
                                           "Intensity=ramp 0% 20%\n"
                                           "[Step taps]\n"
                                           "Muscle=hamstrings\n"
                                           "Zone=mid\n"
                                           "Duration=60s\n"
                                           "Intensity=pulse 50% on=1s off=2s low=20%\n");
    MpPlotOptions o = {.width = 20, .height = 2, .utf8 = TRUE};
    g_autofree char *text = mp_plot_render(tl, &o);
    assert_string_equal(text, " 50% ┤  ████████████\n"
                              " 25% ┤▃▆████████████\n"
                              "  0% └────────────┬─\n"
                              "      0s          1m\n"
                              "      s taps\n"
                              "\n");
}

/* Sizes out of range are clamped, never trusted: a zero width draws the
 * narrowest chart, a huge height the tallest. */
static void test_clamped_sizes(void **state)
{
    g_autoptr(MpTimeline) tl = timeline_of(small);
    MpPlotOptions narrow = {.width = 0, .height = 0, .utf8 = TRUE};
    g_autofree char *text = mp_plot_render(tl, &narrow);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    assert_int_equal(g_strv_length(lines), 2 + 4 + 1); /* rows, 4 axis lines, "" */
    for (guint i = 0; lines[i]; i++)
        assert_true(g_utf8_strlen(lines[i], -1) <= MP_PLOT_MIN_WIDTH);

    MpPlotOptions tall = {.width = G_MAXUINT, .height = G_MAXUINT, .utf8 = FALSE};
    g_autofree char *big = mp_plot_render(tl, &tall);
    g_auto(GStrv) big_lines = g_strsplit(big, "\n", -1);
    assert_int_equal(g_strv_length(big_lines), MP_PLOT_MAX_HEIGHT + 4 + 1);
}

/* A window on one step (from_ms/to_ms): the left pass's "hold" (10 s to
 * 15 s) fills the 20 columns (4 a second, so a label every 2 s), its labels
 * stay programme time, and the left pass is cut to the window. */
static void test_window(void **state)
{
    g_autoptr(MpTimeline) tl = timeline_of(small);
    MpPlotOptions o = {.width = 26, .height = 2, .utf8 = FALSE, .from_ms = 10000, .to_ms = 15000};
    g_autofree char *text = mp_plot_render(tl, &o);
    assert_string_equal(text, " 40% +####################\n"
                              " 20% +####################\n"
                              "  0% +--------+-------+---\n"
                              "      10s     12s     14s\n"
                              "      hold\n"
                              "      <------ left ------>\n");
    /* A window past the end draws nothing rather than garbage. */
    MpPlotOptions past = {.width = 26, .height = 2, .from_ms = 50000, .to_ms = 60000};
    g_autofree char *none = mp_plot_render(tl, &past);
    assert_string_equal(none, "(the programme has no time to plot)\n");
}

typedef struct {
    guint64 ms;
    const char *text;
} SpanCase;

static void test_format_span(void **state)
{
    static const SpanCase cases[] = {
        {0, "0s"},     {500, "500ms"},   {1000, "1s"},    {1500, "1.5s"},    {45000, "45s"},
        {60000, "1m"}, {90000, "1m30s"}, {3600000, "1h"}, {3900000, "1h5m"}, {3661000, "1h1m1s"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = mp_plot_format_span(cases[i].ms);
        assert_string_equal(s, cases[i].text);
    }
}

/* Every built-in programme, at widths from the narrowest to a wide terminal:
 * each line within the width, as many lines as asked for. */
static void test_builtins_fit(void **state)
{
    g_autofree char *dir_path = g_build_filename(SOURCE_DATADIR, "programmes", NULL);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    assert_non_null(dir);
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    guint n = 0;
    for (const char *name; (name = g_dir_read_name(dir));) {
        if (!g_str_has_suffix(name, ".programme"))
            continue;
        g_autofree char *path = g_build_filename(dir_path, name, NULL);
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpProgramme) p = mp_programme_load_file(path, &limits, diags);
        assert_non_null(p);
        g_autoptr(MpTimeline) tl = mp_timeline_new(p);
        static const guint widths[] = {MP_PLOT_MIN_WIDTH, 40, 80, 203};
        for (gsize w = 0; w < G_N_ELEMENTS(widths); w++) {
            MpPlotOptions o = {.width = widths[w], .height = 7, .utf8 = w % 2 == 0};
            g_autofree char *text = mp_plot_render(tl, &o);
            assert_true(g_utf8_validate(text, -1, NULL));
            g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
            assert_int_equal(g_strv_length(lines), 7 + 4 + 1);
            for (guint i = 0; lines[i]; i++)
                assert_true(g_utf8_strlen(lines[i], -1) <= widths[w]);
        }
        n++;
    }
    assert_true(n >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_utf8),  cmocka_unit_test(test_small_ascii),
        cmocka_unit_test(test_pulse_peaks), cmocka_unit_test(test_clamped_sizes),
        cmocka_unit_test(test_format_span), cmocka_unit_test(test_builtins_fit),
        cmocka_unit_test(test_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
