/* The safety rules: each one at its limit (accepted) and just past it
 * (refused, with the exact message), the defaults, stricter limits from a
 * config, and every problem reported at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/programme.h"

static char *load(const char *text, const MpSafetyLimits *limits, gboolean *ok)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_load(text, strlen(text), "v.programme", limits, diags);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, i));
        g_string_append_printf(out, "%s\n", s);
    }
    *ok = p != NULL;
    assert_true(*ok == !mp_diagnostics_have_errors(diags));
    return g_string_free(out, FALSE);
}

#define HEAD "[Programme]\nName=v\nKind=percussion\n"
#define RUN_ADVICE                                                                                 \
    "only a rest of at least 30s ends a run: add one, or move to a zone that does not overlap"
/* line 4 is [Step a], line 7 its Intensity */
#define STEP(id, muscle, dur, inten)                                                               \
    "[Step " id "]\nMuscle=" muscle "\nDuration=" dur "\nIntensity=" inten "\n"

static void test_defaults(void **state)
{
    (void)state;
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    assert_true(l.max_intensity == 100.0);
    assert_int_equal(l.max_session_ms, 60 * 60 * 1000);
    assert_int_equal(l.max_zone_ms, 3 * 60 * 1000);
    assert_int_equal(l.min_rest_ms, 30 * 1000);
    assert_int_equal(l.max_muscle_ms, 5 * 60 * 1000);
    assert_true(l.max_rise_per_s == 10.0);
    assert_true(l.max_jump == 40.0);
    assert_true(l.max_start_intensity == 30.0);
}

typedef struct {
    const char *name;
    const char *text;
    const char *diagnostics; /* "" = accepted */
} Case;

static const Case cases[] = {
    {"at the cap",
     HEAD STEP("a", "calves", "60s", "ramp 0% 100%") STEP("b", "glutes", "10s", "100%"), ""},
    {"above the cap",
     HEAD STEP("a", "calves", "60s", "ramp 0% 70%") STEP("b", "glutes", "10s", "100.5%"),
     "v.programme:11: [Step b] Intensity: 100.5% is above the maximum of 100%\n"},
    {"ramp exactly at the rise limit", HEAD STEP("a", "calves", "3s", "ramp 0% 30%"), ""},
    {"ramp 1 ms too short", HEAD STEP("a", "calves", "2.999s", "ramp 0% 30%"),
     "v.programme:7: [Step a] Intensity: ramp rises from 0% to 30% in 2.999s (10%/s), faster "
     "than the limit of 10%/s; make the step at least 3s long\n"},
    {"falling ramps may be steep",
     HEAD STEP("a", "calves", "60s", "ramp 0% 30%") STEP("b", "calves", "1s", "ramp 30% 0%"), ""},
    {"start exactly at the limit", HEAD STEP("a", "calves", "10s", "30%"), ""},
    {"jump exactly at the limit",
     HEAD STEP("a", "calves", "10s", "30%") STEP("b", "glutes", "10s", "70%"), ""},
    {"jump just past the limit",
     HEAD STEP("a", "calves", "10s", "30%") STEP("b", "glutes", "10s", "70.1%"),
     "v.programme:11: [Step b] Intensity: starts at 70.1%, 40.1 points above the 30% before "
     "it; the largest instant rise is 40 points\n"},
    {"a falling edge is no jump",
     HEAD STEP("a", "calves", "60s", "ramp 0% 60%") STEP("b", "glutes", "10s", "5%"), ""},
    {"zone time exactly at the limit",
     HEAD STEP("a", "calves", "1min", "ramp 0% 30%") STEP("b", "calves", "2min", "30%"), ""},
    {"zone time over, across steps",
     HEAD STEP("a", "calves", "1min", "ramp 0% 30%") STEP("b", "calves", "2min 1ms", "30%"),
     "v.programme:10: [Step b] Duration: 3min 0.001s in a row on calves full-length, above the "
     "maximum of 3min; " RUN_ADVICE "\n"},
    {"a zone that does not overlap is another run",
     HEAD STEP("a", "calves", "2min", "ramp 0% 30%") "Zone=mid\n" STEP("b", "calves", "2min",
                                                                       "30%") "Zone=distal\n",
     ""},
    {"full-length overlaps mid",
     HEAD STEP("a", "calves", "2min", "ramp 0% 30%") "Zone=mid\n" STEP("b", "calves", "1min 1ms",
                                                                       "30%"),
     "v.programme:11: [Step b] Duration: 3min 0.001s in a row on calves mid, which calves "
     "full-length overlaps, above the maximum of 3min; " RUN_ADVICE "\n"},
    {"hamstrings overlaps semitendinosus",
     HEAD STEP("a", "semitendinosus", "2min", "ramp 0% 30%") "Zone=distal\n" STEP(
         "b", "hamstrings", "1min 1ms", "30%") "Zone=distal\n",
     "v.programme:11: [Step b] Duration: 3min 0.001s in a row on semitendinosus distal, which "
     "hamstrings distal overlaps, above the maximum of 3min; " RUN_ADVICE "\n"},
    {"the three hamstring muscles do not overlap each other",
     HEAD STEP("a", "biceps-femoris", "2min", "ramp 0% 30%")
         STEP("b", "semitendinosus", "2min", "30%"),
     ""},
    {"glutes overlap only themselves",
     HEAD STEP("a", "glutes", "2min", "ramp 0% 30%") STEP("b", "hamstrings", "2min", "30%"), ""},
    {"a rest of exactly the minimum ends the run",
     HEAD STEP("a", "calves", "2min",
               "ramp 0% 30%") "[Step r]\nDuration=30s\n" STEP("b", "calves", "2min", "ramp 0% 30%"),
     ""},
    {"a rest 1 ms short does not end the run",
     HEAD STEP("a", "calves", "2min", "ramp 0% 30%") "[Step r]\nDuration=29.999s\n" STEP(
         "b", "calves", "2min", "ramp 0% 30%"),
     "v.programme:12: [Step b] Duration: 4min in a row on calves full-length, above the maximum "
     "of 3min; " RUN_ADVICE "\n"},
    {"a short rest is not counted as percussion",
     HEAD STEP("a", "calves", "2min",
               "ramp 0% 30%") "[Step r]\nDuration=29s\n" STEP("b", "calves", "1min", "ramp 0% 30%"),
     ""},
    {"two short rests do not add up to a real one",
     HEAD STEP("a", "calves", "1min", "ramp 0% 30%") "[Step r1]\nDuration=20s\n" STEP(
         "b", "calves", "1s", "20%") "[Step r2]\nDuration=20s\n" STEP("c", "calves", "1min 59.001s",
                                                                      "ramp 0% 30%"),
     "v.programme:18: [Step c] Duration: 3min 0.001s in a row on calves full-length, above the "
     "maximum of 3min; " RUN_ADVICE "\n"},
    {"work on another muscle rests this one",
     HEAD STEP("a", "calves", "2min", "ramp 0% 30%") STEP("b", "glutes", "30s", "20%")
         STEP("c", "calves", "2min", "30%"),
     ""},
    {"the other side is a rest only when long enough",
     HEAD STEP("a", "calves", "2min", "ramp 0% 30%") "Side=left\n" STEP(
         "b", "calves", "29s", "30%") "Side=right\n" STEP("c", "calves", "1min 1ms",
                                                          "30%") "Side=left\n",
     "v.programme:16: [Step c] Duration: 3min 0.001s in a row on calves full-length (left), above "
     "the maximum of 3min; " RUN_ADVICE "\n"},
    {"sides never overlap",
     HEAD STEP("a", "calves", "3min", "ramp 0% 30%") "Side=left\n" STEP("b", "calves", "3min",
                                                                        "30%") "Side=right\n",
     ""},
    {"a muscle's session total at the limit",
     HEAD STEP("a", "calves", "3min", "ramp 0% 30%") "Zone=proximal\n" STEP("b", "calves", "2min",
                                                                            "30%") "Zone=distal\n",
     ""},
    {"a muscle's session total 1 ms over",
     HEAD STEP("a", "calves", "3min", "ramp 0% 30%") "Zone=proximal\n" STEP(
         "b", "calves", "2min 1ms", "30%") "Zone=distal\n",
     "v.programme:11: [Step b] Duration: 5min 0.001s in this session on calves, above the maximum "
     "of 5min per muscle and side; spend less time on it\n"},
    {"a hamstrings step counts for each of its muscles in the total",
     HEAD STEP("a", "biceps-femoris", "3min", "ramp 0% 30%") "Zone=distal\n" STEP(
         "b", "hamstrings", "2min 1ms", "30%") "Zone=proximal\n",
     "v.programme:11: [Step b] Duration: 5min 0.001s in this session on biceps-femoris, which "
     "hamstrings covers, above the maximum of 5min per muscle and side; spend less time on "
     "it\n"},
    {"the total is per side",
     HEAD "Sides=left,right\n" STEP("a", "calves", "3min", "ramp 0% 30%") "Zone=proximal\n" STEP(
         "b", "calves", "2min", "30%") "Zone=distal\n",
     ""},
    {"session exactly at the limit",
     HEAD "Sides=left,right\n" STEP("a", "calves", "2min", "ramp 0% 30%") "[Step r]\n"
                                                                          "Duration=28min\n",
     ""},
    {"session 1 ms over",
     HEAD "Sides=left,right\n" STEP("a", "calves", "2min", "ramp 0% 30%") "[Step r]\n"
                                                                          "Duration=28min 1ms\n",
     "v.programme:1: [Programme] lasts 1h 0.002s with both sides, above the maximum of 1h\n"},
    {"wave at the rise limit's edge", HEAD STEP("a", "calves", "60s", "wave 0% 20% period=7s"), ""},
    {"wave too steep", HEAD STEP("a", "calves", "60s", "wave 0% 20% period=6s"),
     "v.programme:7: [Step a] Intensity: wave rises at up to 10.5%/s, faster than the limit of "
     "10%/s; make period= at least 7s\n"},
    {"pulse jump exactly at the limit",
     HEAD STEP("a", "calves", "60s", "ramp 0% 30%")
         STEP("b", "glutes", "30s", "pulse 50% on=1s off=1s low=10%"),
     ""},
};

static void test_rules(void **state)
{
    (void)state;
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        gboolean ok;
        g_autofree char *got = load(cases[i].text, &limits, &ok);
        if (strcmp(got, cases[i].diagnostics) != 0)
            print_error("%s:\n%s", cases[i].name, got);
        assert_string_equal(got, cases[i].diagnostics);
        assert_true(ok == (cases[i].diagnostics[0] == '\0'));
    }
}

static void test_stricter_limits(void **state)
{
    (void)state;
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    l.max_intensity = 50;
    l.max_session_ms = 60000;
    l.max_zone_ms = 30000;
    l.max_rise_per_s = 1;
    l.max_jump = 10;
    l.max_start_intensity = 5;
    gboolean ok;
    g_autofree char *got = load(HEAD "MaxIntensity=60%\n" STEP("a", "calves", "45s", "ramp 10% 55%")
                                    STEP("b", "glutes", "20s", "55%"),
                                &l, &ok);
    assert_false(ok);
    assert_string_equal(
        got, "v.programme:4: [Programme] MaxIntensity: 60% is above the maximum of 50%\n"
             "v.programme:8: [Step a] Intensity: 55% is above the maximum of 50%\n"
             "v.programme:12: [Step b] Intensity: 55% is above the maximum of 50%\n"
             "v.programme:1: [Programme] lasts 1min 5s, above the maximum of 1min\n"
             "v.programme:7: [Step a] Duration: 45s in a row on calves full-length, above the "
             "maximum of 30s; " RUN_ADVICE "\n"
             "v.programme:8: [Step a] Intensity: starts at 10%; a programme may start at 5% at "
             "most (start lower or ramp up)\n");
}

/* A config may ask for longer rests and a lower total: both take effect. */
static void test_stricter_zone_limits(void **state)
{
    (void)state;
    static const char text[] =
        HEAD STEP("a", "calves", "2min",
                  "ramp 0% 30%") "Zone=proximal\n"
                                 "[Step r]\nDuration=45s\n" STEP("b", "calves", "2min",
                                                                 "ramp 0% 30%") "Zone=proximal\n";
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    gboolean ok;
    g_autofree char *got = load(text, &l, &ok);
    assert_true(ok); /* 45 s is a rest under the default minimum */
    l.min_rest_ms = 60000;
    g_autofree char *longer = load(text, &l, &ok);
    assert_false(ok);
    assert_string_equal(longer,
                        "v.programme:13: [Step b] Duration: 4min in a row on calves proximal, "
                        "above the maximum of 3min; only a rest of at least 1min ends a run: add "
                        "one, or move to a zone that does not overlap\n");
    mp_safety_limits_init(&l);
    l.max_muscle_ms = 3 * 60 * 1000;
    g_autofree char *lower = load(text, &l, &ok);
    assert_false(ok);
    assert_string_equal(lower, "v.programme:13: [Step b] Duration: 4min in this session on calves, "
                               "above the maximum of 3min per muscle and side; spend less time on "
                               "it\n");
}

/* Syntax errors and safety errors in one report: the steps that parsed are
 * still checked. */
static void test_everything_at_once(void **state)
{
    (void)state;
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    gboolean ok;
    g_autofree char *got =
        load(HEAD STEP("a", "calves", "60s", "ramp 0% 30%") STEP("b", "glutes", "10x", "30%")
                 STEP("c", "calves", "10s", "160%"),
             &l, &ok);
    assert_false(ok);
    assert_string_equal(got,
                        "v.programme:10: [Step b] Duration: \"x\" is not a time unit; use ms, s, "
                        "min or h\n"
                        "v.programme:15: [Step c] Intensity: 160% is above the maximum of 100%\n");
}

static void test_validate_directly(void **state)
{
    (void)state;
    static const char text[] = HEAD STEP("a", "calves", "60s", "ramp 0% 30%");
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(text, strlen(text), "v", diags);
    assert_non_null(p);
    assert_true(mp_programme_validate(p, NULL, diags)); /* NULL: the defaults */
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    l.max_intensity = 20;
    assert_false(mp_programme_validate(p, &l, diags));
    assert_int_equal(diags->len, 1);
}

static void test_limits_check(void **state)
{
    (void)state;
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    assert_true(mp_safety_limits_check(&l, NULL));
    l.max_zone_ms = 60000;
    l.max_intensity = 80;
    assert_true(mp_safety_limits_check(&l, NULL));
    g_autoptr(GError) error = NULL;
    l.max_jump = 50;
    assert_false(mp_safety_limits_check(&l, &error));
    assert_string_equal(error->message, "max_jump: 50 is looser than the ceiling of 40");
    g_clear_error(&error);
    l.max_jump = 10;
    l.max_rise_per_s = 0;
    assert_false(mp_safety_limits_check(&l, &error));
    assert_string_equal(error->message, "max_rise_per_s: 0 must be above 0");
    g_clear_error(&error);
    l.max_rise_per_s = 5;
    l.min_rest_ms = 60000; /* a longer rest is stricter */
    l.max_muscle_ms = 60000;
    assert_true(mp_safety_limits_check(&l, NULL));
    l.min_rest_ms = 29999;
    assert_false(mp_safety_limits_check(&l, &error));
    assert_string_equal(error->message, "min_rest_ms: 29999 is looser than the floor of 30000");
    g_clear_error(&error);
    l.min_rest_ms = 30000;
    l.max_muscle_ms = 5 * 60 * 1000 + 1;
    assert_false(mp_safety_limits_check(&l, &error));
    assert_string_equal(error->message,
                        "max_muscle_ms: 300001 is looser than the ceiling of 300000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),           cmocka_unit_test(test_rules),
        cmocka_unit_test(test_stricter_limits),    cmocka_unit_test(test_stricter_zone_limits),
        cmocka_unit_test(test_everything_at_once), cmocka_unit_test(test_validate_directly),
        cmocka_unit_test(test_limits_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
