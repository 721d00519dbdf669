/* The programme parser: fields, time spans, envelopes, comments, and the
 * exact located diagnostics for broken input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "protocol/mp-error.h"
#include "protocol/programme.h"
#include "protocol/timespan.h"

static const char study[] = "# Skinner et al. 2023 - 2 x 60 s per leg, 30 s rest\n"
                            "[Programme]\n"
                            "Name=Hamstring range of motion\n"
                            "Summary=Percussion on the whole hamstring   # trailing comment\n"
                            "Description=Two passes; proximal to distal\n"
                            "Author=massaged\n"
                            "Kind=percussion\n"
                            "Sides=right, left ; the order of the passes\n"
                            "References=Skinner B et al. (2023) J Sports Sci Med 22:495\n"
                            "References=Ferreira RM et al. (2023) | Another, 2020\n"
                            "MaxIntensity=80%\n"
                            "\n"
                            "; a whole-line comment\n"
                            "[Step sweep]\n"
                            "Name=Sweep\n"
                            "Muscle=hamstrings\n"
                            "Zone=full-length\n"
                            "Duration=1m\n"
                            "Intensity=ramp 0% 30%\n"
                            "Speed=50%\n"
                            "Prompt=Sweep slowly \\# gently\n"
                            "\r\n"
                            "[Step rest]\r\n"
                            "Duration=30s\r\n"
                            "[Step bf]\n"
                            "Muscle=biceps-femoris\n"
                            "Side=left\n"
                            "Duration=1.5s\n"
                            "Intensity=pulse 20% on=500ms off=1s low=5%\n";

static void test_parse_fields(void **state)
{
    (void)state;
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(study, strlen(study), "study.programme", diags);
    assert_int_equal(diags->len, 0);
    assert_non_null(p);
    assert_string_equal(p->source, "study.programme");
    assert_string_equal(p->name, "Hamstring range of motion");
    assert_string_equal(p->summary, "Percussion on the whole hamstring");
    assert_string_equal(p->description, "Two passes; proximal to distal");
    assert_string_equal(p->author, "massaged");
    assert_int_equal(p->kind, MP_KIND_PERCUSSION);
    assert_int_equal(p->n_sides, 2);
    assert_int_equal(p->sides[0], MP_SIDE_RIGHT);
    assert_int_equal(p->sides[1], MP_SIDE_LEFT);
    assert_int_equal(g_strv_length(p->references), 3);
    assert_string_equal(p->references[0], "Skinner B et al. (2023) J Sports Sci Med 22:495");
    assert_string_equal(p->references[1], "Ferreira RM et al. (2023)");
    assert_string_equal(p->references[2], "Another, 2020");
    assert_true(p->max_intensity == 80.0);
    assert_int_equal(p->line, 2);
    assert_int_equal(p->steps->len, 3);

    const MpStep *s = g_ptr_array_index(p->steps, 0);
    assert_string_equal(s->id, "sweep");
    assert_string_equal(s->name, "Sweep");
    assert_int_equal(s->muscle, MP_MUSCLE_HAMSTRINGS);
    assert_int_equal(s->zone, MP_ZONE_FULL_LENGTH);
    assert_int_equal(s->side, MP_SIDE_NONE);
    assert_int_equal(s->duration_ms, 60000);
    assert_int_equal(s->intensity.kind, MP_ENVELOPE_RAMP);
    assert_true(s->intensity.a == 0.0 && s->intensity.b == 30.0);
    assert_true(s->speed == 50.0);
    assert_string_equal(s->prompt, "Sweep slowly # gently");
    assert_int_equal(s->line, 14);
    assert_int_equal(s->duration_line, 18);
    assert_int_equal(s->intensity_line, 19);

    s = g_ptr_array_index(p->steps, 1);
    assert_string_equal(s->id, "rest");
    assert_string_equal(s->name, "rest");
    assert_int_equal(s->muscle, MP_MUSCLE_NONE);
    assert_int_equal(s->zone, MP_ZONE_NONE);
    assert_int_equal(s->duration_ms, 30000);
    assert_true(mp_envelope_is_rest(&s->intensity));
    assert_true(s->speed < 0);
    assert_null(s->prompt);

    s = g_ptr_array_index(p->steps, 2);
    assert_int_equal(s->muscle, MP_MUSCLE_BICEPS_FEMORIS);
    assert_int_equal(s->zone, MP_ZONE_FULL_LENGTH); /* the default */
    assert_int_equal(s->side, MP_SIDE_LEFT);
    assert_int_equal(s->duration_ms, 1500);
    assert_int_equal(s->intensity.kind, MP_ENVELOPE_PULSE);
    assert_int_equal(s->intensity.on_ms, 500);
    assert_int_equal(s->intensity.off_ms, 1000);
    assert_true(s->intensity.b == 5.0);
}

static void test_timespans(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        guint64 ms;
    } good[] = {
        {"90s", 90000},     {"1m30s", 90000},  {"2min", 120000},     {"1.5s", 1500},
        {"500ms", 500},     {"1h", 3600000},   {"1h 5min", 3900000}, {" 2 min ", 120000},
        {"0.25min", 15000}, {"24h", 86400000}, {"1min 30s", 90000},  {"3 seconds", 3000},
        {"0s", 0},          {".5s", 500},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        guint64 ms = 1;
        g_autoptr(GError) error = NULL;
        if (!mp_timespan_parse(good[i].text, &ms, &error))
            print_error("%s: %s\n", good[i].text, error->message);
        assert_int_equal(ms, good[i].ms);
    }
    static const struct {
        const char *text;
        const char *message;
    } bad[] = {
        {"", "is empty; write a time span such as 90s"},
        {"90", "\"90\" needs a unit: write 90s for seconds, or use ms, min or h"},
        {"1min30", "\"1min30\" needs a unit: write 1min30s for seconds, or use ms, min or h"},
        {"abc", "\"abc\" is not a time span; write e.g. 90s, 1m30s, 2min or 500ms"},
        {"5x", "\"x\" is not a time unit; use ms, s, min or h"},
        {"1.0005s", "\"1.0005s\" is finer than a millisecond"},
        {"0.5ms", "\"0.5ms\" is finer than a millisecond"},
        {"25h", "\"25h\" is too long (at most 24h)"},
        {"99999999999999999999s", "\"99999999999999999999s\" is too long (at most 24h)"},
        {"23h 120min", "\"23h 120min\" is too long (at most 24h)"},
        {"-5s", "\"-5s\" is not a time span; write e.g. 90s, 1m30s, 2min or 500ms"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        guint64 ms = 0;
        g_autoptr(GError) error = NULL;
        assert_false(mp_timespan_parse(bad[i].text, &ms, &error));
        assert_non_null(error);
        assert_string_equal(error->message, bad[i].message);
    }
}

static void test_timespan_format(void **state)
{
    (void)state;
    static const struct {
        guint64 ms;
        const char *text;
    } cases[] = {
        {0, "0s"},       {500, "500ms"},       {1500, "1.5s"},         {90000, "1min 30s"},
        {3600000, "1h"}, {3600500, "1h 0.5s"}, {61001, "1min 1.001s"}, {120000, "2min"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = mp_timespan_format(cases[i].ms);
        assert_string_equal(s, cases[i].text);
        guint64 back = 0;
        assert_true(mp_timespan_parse(s, &back, NULL));
        assert_int_equal(back, cases[i].ms);
    }
}

static void test_envelopes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *canonical;
    } good[] = {
        {"40%", "40%"},
        {"constant 40%", "40%"},
        {"  ramp   30%  60% ", "ramp 30% 60%"},
        {"ramp 60% 12.5%", "ramp 60% 12.5%"},
        {"wave 30% 50% period=6s", "wave 30% 50% period=6s"},
        {"wave 30% 50% period=1m30s", "wave 30% 50% period=1min30s"},
        {"pulse 60% on=2s off=1s", "pulse 60% on=2s off=1s"},
        {"pulse 60% off=1s on=2s low=20%", "pulse 60% on=2s off=1s low=20%"},
        {"0%", "0%"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        MpEnvelope env;
        g_autoptr(GError) error = NULL;
        if (!mp_envelope_parse(good[i].text, &env, &error))
            print_error("%s: %s\n", good[i].text, error->message);
        g_autofree char *s = mp_envelope_to_string(&env);
        assert_string_equal(s, good[i].canonical);
        MpEnvelope back;
        assert_true(mp_envelope_parse(s, &back, NULL));
        assert_memory_equal(&back, &env, sizeof env);
    }
    static const struct {
        const char *text;
        const char *message;
    } bad[] = {
        {"", "is empty; write e.g. 40%, ramp 30% 60% or wave 30% 50% period=6s"},
        {"40", "\"40\" needs a % sign, e.g. 40%"},
        {"-5%", "\"-5%\" is negative"},
        {"40%%", "\"40%%\" is not a percentage; write e.g. 40%"},
        {"1e3%", "\"1e3%\" needs a % sign, e.g. 40%"},
        {"99999999999%", "\"99999999999%\" is far too large"},
        {"40.1234%", "\"40.1234%\" has more than 3 decimals"},
        {"40% 50%", "unexpected \"50%\" after the intensity"},
        {"rmap 30% 60%", "unknown envelope \"rmap\"; did you mean ramp?"},
        {"sawtooth 1% 2%",
         "unknown envelope \"sawtooth\"; use a percentage, constant, ramp, wave or pulse"},
        {"ramp 30%", "ramp needs 2 levels, e.g. ramp 30% 60%"},
        {"constant", "constant needs 1 level, e.g. constant 40%"},
        {"ramp 30% 60% 90%", "unexpected \"90%\" in ramp"},
        {"wave 30% 50%", "wave needs a period, e.g. wave 30% 50% period=6s"},
        {"wave 30% 50% perod=6s", "unknown wave parameter \"perod\"; did you mean period=?"},
        {"wave 30% 50% period=6",
         "period=\"6\" needs a unit: write 6s for seconds, or use ms, min or h"},
        {"wave 30% 50% period=6s period=7s", "period= is given twice"},
        {"wave 30% 50% period", "period needs a value, e.g. period=2s"},
        {"pulse 60% on=2s", "pulse needs on= and off=, e.g. pulse 60% on=2s off=1s"},
        {"pulse 60% on=2s off=1s lo=5%", "unknown pulse parameter \"lo\"; did you mean low=?"},
        {"pulse 60% on=2s off=1s low=5", "low=\"5\" needs a % sign, e.g. 40%"},
        {"pulse on=2s off=1s", "pulse needs 1 level, e.g. pulse 60% on=2s off=1s"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        MpEnvelope env;
        g_autoptr(GError) error = NULL;
        assert_false(mp_envelope_parse(bad[i].text, &env, &error));
        if (strcmp(error->message, bad[i].message) != 0)
            print_error("%s: got '%s'\n", bad[i].text, error->message);
        assert_string_equal(error->message, bad[i].message);
    }
}

/* All diagnostics of parsing `text` as "bad.programme", one per line. */
static char *diagnose(const char *text, gsize len)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(text, len, "bad.programme", diags);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, i));
        g_string_append_printf(out, "%s\n", s);
    }
    if (diags->len)
        assert_null(p);
    else
        assert_non_null(p);
    return g_string_free(out, FALSE);
}

static void test_all_errors_at_once(void **state)
{
    (void)state;
    static const char text[] = "[Programme]\n"        /* 1 */
                               "Name=Broken\n"        /* 2 */
                               "Kind=percusion\n"     /* 3 */
                               "Sides=left,lfet\n"    /* 4 */
                               "Colour=red\n"         /* 5 */
                               "Name=Again\n"         /* 6 */
                               "Duration=5s\n"        /* 7 */
                               "[Step a]\n"           /* 8 */
                               "Muscle=hamstring\n"   /* 9 */
                               "Zone=middle\n"        /* 10 */
                               "Duraton=60s\n"        /* 11 */
                               "Intensity=ramp 10%\n" /* 12 */
                               "[Step a]\n"           /* 13 */
                               "Duration=0s\n"        /* 14 */
                               "[Stpe b]\n"           /* 15 */
                               "Whatever=1\n"         /* 16 */
                               "[Step c]\n"           /* 17 */
                               "Sides=left\n"         /* 18 */
                               "Side=up\n"            /* 19 */
                               "Speed=120%\n"         /* 20 */
                               "Duration=10s\n"       /* 21 */
                               "this is not a key\n"  /* 22 */
                               "[Step d\n"            /* 23 */
                               "[Step e]\n"           /* 24 */
                               "Duration=2s\n"        /* 25 */
                               "Intensity=20%\n";     /* 26 */
    g_autofree char *got = diagnose(text, sizeof text - 1);
    assert_string_equal(
        got,
        "bad.programme:3: [Programme] Kind: unknown kind \"percusion\"; did you mean percussion?\n"
        "bad.programme:4: [Programme] Sides: unknown side \"lfet\"; did you mean left?\n"
        "bad.programme:5: [Programme] Colour: unknown key; use one of: Name, Summary, "
        "Description, Author, Kind, Sides, References, MaxIntensity, Caution\n"
        "bad.programme:6: [Programme] Name: is given twice (first at line 2)\n"
        "bad.programme:7: [Programme] Duration: belongs in a [Step] group, not here\n"
        "bad.programme:9: [Step a] Muscle: unknown muscle \"hamstring\"; did you mean "
        "hamstrings?\n"
        "bad.programme:10: [Step a] Zone: unknown zone \"middle\"; use one of: proximal, mid, "
        "distal, full-length\n"
        "bad.programme:11: [Step a] Duraton: unknown key; did you mean Duration?\n"
        "bad.programme:12: [Step a] Intensity: ramp needs 2 levels, e.g. ramp 30% 60%\n"
        "bad.programme:13: [Step a] duplicate step id \"a\" (first at line 8)\n"
        "bad.programme:14: [Step a] Duration: must be longer than 0s\n"
        "bad.programme:15: unknown group [Stpe b]; did you mean [Step b]?\n"
        "bad.programme:18: [Step c] Sides: belongs in [Programme]; did you mean Side?\n"
        "bad.programme:19: [Step c] Side: unknown side \"up\"; use one of: left, right\n"
        "bad.programme:20: [Step c] Speed: 120% is above 100%\n"
        "bad.programme:22: [Step c] expected Key=value, a [Group] or a # comment\n"
        "bad.programme:23: a group header must end with ], e.g. [Step warm-up]\n"
        "bad.programme:26: [Step e] Intensity: a step above 0% needs a Muscle (rest steps are "
        "0%)\n");
}

static void test_structure_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *diagnostics;
    } cases[] = {
        {"", "bad.programme: the file is empty\n"},
        {"  \n\n\t\n", "bad.programme: the file is empty\n"},
        {"# only a comment\n", "bad.programme: there is no [Programme] group\n"},
        {"Name=x\n", "bad.programme:1: Name= is outside a group; the file starts with "
                     "[Programme]\nbad.programme: there is no [Programme] group\n"},
        {"[Programme]\nName=x\n", "bad.programme:1: [Programme] the programme has no steps\n"},
        {"[Programme]\nSummary=s\n[Step a]\nDuration=1s\n",
         "bad.programme:1: [Programme] Name is required\n"},
        {"[Step a]\nDuration=1s\n[Programme]\nName=x\n",
         "bad.programme:1: [Step a] the file must start with a [Programme] group\n"},
        {"[Programme]\nName=x\n[Programme]\nName=y\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] [Programme] appears twice (first at line 1)\n"},
        {"[Programme]\nName=x\n[Step]\nDuration=1s\n",
         "bad.programme:3: [Step] a step needs an id, e.g. [Step warm-up]\n"},
        {"[Programme]\nName=x\n[Step a/b]\nDuration=1s\n",
         "bad.programme:3: [Step a/b] step id \"a/b\" may only use letters, digits, '-', '_' "
         "and '.' (at most 64)\n"},
        {"[Programme]\nName=\n[Step a]\nDuration=1s\n",
         "bad.programme:2: [Programme] Name: must not be empty\n"
         "bad.programme:1: [Programme] Name is required\n"},
        {"[Programme]\nName=x\n=5\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] a line starts with '='; expected Key=value\n"},
        {"[Programme]\nName=x\nSides=left,right,left\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Sides: \"left,right,left\" has more than two sides\n"},
        {"[Programme]\nName=x\nSides=left,left\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Sides: left is given twice\n"},
        {"[Programme]\nName=x\nSides=left,none\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Sides: none cannot be combined with a side\n"},
        {"[Programme]\nName=x\nSides=left\n[Step a]\nMuscle=calves\nSide=right\nDuration=1s\n"
         "Intensity=5%\n",
         "bad.programme:6: [Step a] Side: right never plays: the programme's Sides is left\n"},
        {"[Programme]\nName=x\n[Step a]\nZone=mid\nDuration=1s\n",
         "bad.programme:4: [Step a] Zone: a Zone needs a Muscle\n"},
        {"[Programme]\nName=x\n[Step a]\nMuscle=calves\nDuration=1s\n",
         "bad.programme:3: [Step a] Intensity is required for a step on a muscle\n"},
        {"[Programme]\nName=x\nMaxIntensity=0%\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] MaxIntensity: must be above 0%\n"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = diagnose(cases[i].text, strlen(cases[i].text));
        if (strcmp(got, cases[i].diagnostics) != 0)
            print_error("case %zu:\n%s", i, got);
        assert_string_equal(got, cases[i].diagnostics);
    }
}

static void test_bad_bytes(void **state)
{
    (void)state;
    static const char nul[] = "[Programme]\nName=a\0b\n[Step a]\nDuration=1s\n";
    g_autofree char *got = diagnose(nul, sizeof nul - 1);
    assert_string_equal(got, "bad.programme:2: [Programme] the line contains a NUL byte\n");

    static const char utf8[] = "[Programme]\nName=caf\xC3\n[Step a]\nDuration=1s\n";
    g_autofree char *got2 = diagnose(utf8, sizeof utf8 - 1);
    assert_string_equal(got2, "bad.programme:2: [Programme] the line is not valid UTF-8\n");

    /* A long line is refused, the lines around it are still read. */
    GString *s = g_string_new("[Programme]\nName=x\nDescription=");
    for (int i = 0; i < 5000; i++)
        g_string_append_c(s, 'a');
    g_string_append(s, "\n[Step a]\nDuration=1s\n");
    g_autofree char *got3 = diagnose(s->str, s->len);
    assert_string_equal(got3, "bad.programme:3: [Programme] the line is longer than 4096 bytes\n");
    g_string_free(s, TRUE);

    /* A file over the size cap is refused before it is read. */
    gsize big = MP_PROGRAMME_MAX_SIZE + 1;
    g_autofree char *huge = g_malloc(big);
    memset(huge, '\n', big);
    g_autofree char *got4 = diagnose(huge, big);
    assert_string_equal(got4, "bad.programme: the file is larger than 1048576 bytes\n");

    /* Valid UTF-8 with a byte order mark parses. */
    static const char bom[] = "\xEF\xBB\xBF[Programme]\nName=\xC3\xA9t\xC3\xA9\n[Step a]\n"
                              "Duration=1s\n";
    g_autofree char *got5 = diagnose(bom, sizeof bom - 1);
    assert_string_equal(got5, "");
}

/* Garbage of every kind must give diagnostics, never a crash (ASan). */
static void test_garbage(void **state)
{
    (void)state;
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261123);
    for (int round = 0; round < 300; round++) {
        gsize len = (gsize)g_rand_int_range(rand, 0, 3000);
        g_autofree char *buf = g_malloc(len + 1);
        /* Mix pure noise with noise drawn from the format's own alphabet,
         * which gets further into the parser. */
        static const char alphabet[] = "[]=%#; \n\tStepProgramme0123456789.msramppulsewave";
        for (gsize i = 0; i < len; i++)
            buf[i] = round % 2 ? (char)g_rand_int_range(rand, 0, 256)
                               : alphabet[g_rand_int_range(rand, 0, sizeof alphabet - 1)];
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        MpSafetyLimits limits;
        mp_safety_limits_init(&limits);
        g_autoptr(MpProgramme) p = mp_programme_load(buf, len, "g", &limits, diags);
        if (!p)
            assert_true(diags->len > 0);
        assert_true(diags->len <= 102);
    }
}

/* Every prefix of a valid file: no crash, and a refusal is explained. */
static void test_truncations(void **state)
{
    (void)state;
    gsize len = strlen(study);
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    for (gsize n = 0; n <= len; n++) {
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpProgramme) p = mp_programme_load(study, n, "t", &limits, diags);
        if (!p)
            assert_true(mp_diagnostics_have_errors(diags));
    }
}

/* Random edits of a valid file (flipped, inserted and deleted bytes): a
 * refusal always comes with an error, an acceptance plays. */
static void test_mutations(void **state)
{
    (void)state;
    g_autoptr(GRand) rand = g_rand_new_with_seed(42);
    gsize len = strlen(study);
    static const char interesting[] = "[]=%#;\\\n \t0123456789.-,smhx\xff";
    for (int round = 0; round < 3000; round++) {
        GString *s = g_string_new_len(study, (gssize)len);
        int edits = g_rand_int_range(rand, 1, 6);
        for (int e = 0; e < edits && s->len > 0; e++) {
            gsize at = (gsize)g_rand_int_range(rand, 0, (gint32)s->len);
            char c = g_rand_boolean(rand)
                         ? interesting[g_rand_int_range(rand, 0, sizeof interesting - 1)]
                         : (char)g_rand_int_range(rand, 0, 256);
            switch (g_rand_int_range(rand, 0, 3)) {
            case 0:
                s->str[at] = c;
                break;
            case 1:
                g_string_insert_c(s, (gssize)at, c);
                break;
            default:
                g_string_erase(s, (gssize)at, 1);
                break;
            }
        }
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpProgramme) p = mp_programme_load(s->str, s->len, "m", NULL, diags);
        if (p) {
            assert_false(mp_diagnostics_have_errors(diags));
            assert_true(p->steps->len > 0);
        } else {
            assert_true(mp_diagnostics_have_errors(diags));
        }
        g_string_free(s, TRUE);
    }
}

static void test_load_file_errors(void **state)
{
    (void)state;
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    assert_null(mp_programme_load_file("/nonexistent/x.programme", NULL, diags));
    assert_int_equal(diags->len, 1);
    g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, 0));
    assert_true(g_str_has_prefix(s, "/nonexistent/x.programme: "));

    g_autoptr(GPtrArray) diags2 = mp_diagnostics_new();
    assert_null(mp_programme_load_file(TEST_DATADIR, NULL, diags2));
    assert_int_equal(diags2->len, 1);
    g_autofree char *s2 = mp_diagnostic_to_string(g_ptr_array_index(diags2, 0));
    g_autofree char *want = g_strdup_printf("%s: not a regular file", TEST_DATADIR);
    assert_string_equal(s2, want);
}

static void test_caps(void **state)
{
    (void)state;
    GString *s = g_string_new("[Programme]\nName=x\n");
    for (int i = 0; i < 1001; i++)
        g_string_append_printf(s, "[Step s%d]\nDuration=1s\n", i);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    assert_null(mp_programme_parse(s->str, s->len, "c", diags));
    assert_int_equal(diags->len, 1);
    g_autofree char *d = mp_diagnostic_to_string(g_ptr_array_index(diags, 0));
    assert_string_equal(d, "c:2003: [Step s1000] more than 1000 steps");
    g_string_free(s, TRUE);

    /* After 100 errors the parser says so and stops. */
    GString *junk = g_string_new("[Programme]\nName=x\n");
    for (int i = 0; i < 500; i++)
        g_string_append(junk, "junk\n");
    g_autoptr(GPtrArray) diags2 = mp_diagnostics_new();
    assert_null(mp_programme_parse(junk->str, junk->len, "c", diags2));
    assert_int_equal(diags2->len, 101);
    g_autofree char *last = mp_diagnostic_to_string(g_ptr_array_index(diags2, 100));
    assert_string_equal(last, "c:103: too many errors; is this a programme file?");
    g_string_free(junk, TRUE);
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(mp_muscle_to_string(MP_MUSCLE_BICEPS_FEMORIS), "biceps-femoris");
    assert_string_equal(mp_muscle_to_string(MP_MUSCLE_NONE), "none");
    assert_string_equal(mp_zone_to_string(MP_ZONE_FULL_LENGTH), "full-length");
    assert_string_equal(mp_side_to_string(MP_SIDE_RIGHT), "right");
    MpMuscle m;
    assert_true(mp_muscle_from_string("lower-back", &m));
    assert_int_equal(m, MP_MUSCLE_LOWER_BACK);
    assert_false(mp_muscle_from_string("none", &m));
    MpZone z;
    assert_false(mp_zone_from_string("none", &z));
    MpSide s;
    assert_false(mp_side_from_string("none", &s));
}

/* Caution=: optional, kept as written (trailing comment and escapes as any
 * text key), bounded, free of control characters, located when wrong. */
static void test_caution(void **state)
{
    (void)state;
    static const char head[] = "[Programme]\nName=c\n";
    static const char step[] = "[Step a]\nDuration=1s\n";

    g_autofree char *none = g_strconcat(head, step, NULL);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(none, strlen(none), "c.programme", diags);
    assert_non_null(p);
    assert_null(p->caution);

    g_autofree char *one = g_strconcat(
        head, "Caution=Not before sprints \\# or jumps; ask first if pregnant.  # a comment\n",
        step, NULL);
    g_autoptr(GPtrArray) diags2 = mp_diagnostics_new();
    g_autoptr(MpProgramme) q = mp_programme_parse(one, strlen(one), "c.programme", diags2);
    assert_int_equal(diags2->len, 0);
    assert_non_null(q);
    assert_string_equal(q->caution, "Not before sprints # or jumps; ask first if pregnant.");

    /* 400 characters fit (counted as characters: "é" is two bytes), 401 do not. */
    GString *fits = g_string_new(NULL);
    for (int i = 0; i < 400; i++)
        g_string_append(fits, "\xC3\xA9");
    g_autofree char *at_limit = g_strconcat(head, "Caution=", fits->str, "\n", step, NULL);
    g_autofree char *got = diagnose(at_limit, strlen(at_limit));
    assert_string_equal(got, "");
    g_string_append_c(fits, 'x');
    g_autofree char *over = g_strconcat(head, "Caution=", fits->str, "\n", step, NULL);
    g_string_free(fits, TRUE);
    g_free(got);
    got = diagnose(over, strlen(over));
    assert_string_equal(got, "bad.programme:3: [Programme] Caution: is 401 characters long; at "
                             "most 400 fit before a start\n");

    static const struct {
        const char *text;
        const char *diagnostics;
    } cases[] = {
        {"[Programme]\nName=c\nCaution=\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Caution: must not be empty\n"},
        {"[Programme]\nName=c\nCaution=Stop \x1b[2Jnow\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Caution: contains a control character (U+001B)\n"},
        {"[Programme]\nName=c\nCaution=a\tb\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Caution: contains a control character (U+0009)\n"},
        {"[Programme]\nName=c\nCaution=a\nCaution=b\n[Step a]\nDuration=1s\n",
         "bad.programme:4: [Programme] Caution: is given twice (first at line 3)\n"},
        {"[Programme]\nName=c\n[Step a]\nDuration=1s\nCaution=a\n",
         "bad.programme:5: [Step a] Caution: belongs in [Programme], not here\n"},
        {"[Programme]\nName=c\nCautoin=a\n[Step a]\nDuration=1s\n",
         "bad.programme:3: [Programme] Cautoin: unknown key; did you mean Caution?\n"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_free(got);
        got = diagnose(cases[i].text, strlen(cases[i].text));
        assert_string_equal(got, cases[i].diagnostics);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_timespans),
        cmocka_unit_test(test_timespan_format),
        cmocka_unit_test(test_envelopes),
        cmocka_unit_test(test_all_errors_at_once),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_load_file_errors),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_caution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
