/* The evaluator: envelopes at their boundaries, Sides expansion,
 * quantisation, and next_change checked against a per-millisecond scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "programme-fixture.h"
#include "protocol/timeline.h"

/* Overridable for a longer soak: -DRANDOM_ROUNDS=5000 -DRANDOM_SEED=n */
#ifndef RANDOM_ROUNDS
#define RANDOM_ROUNDS 40
#endif
#ifndef RANDOM_SEED
#define RANDOM_SEED 7
#endif

typedef struct {
    MpEnvelope env;
    guint64 duration;
    guint64 t;
    double expected;
} EnvCase;

#define CONST(x)                                                                                   \
    {                                                                                              \
        .kind = MP_ENVELOPE_CONSTANT, .a = (x)                                                     \
    }
#define RAMP(x, y)                                                                                 \
    {                                                                                              \
        .kind = MP_ENVELOPE_RAMP, .a = (x), .b = (y)                                               \
    }
#define WAVE(x, y, p)                                                                              \
    {                                                                                              \
        .kind = MP_ENVELOPE_WAVE, .a = (x), .b = (y), .period_ms = (p)                             \
    }
#define PULSE(x, on, off, low)                                                                     \
    {                                                                                              \
        .kind = MP_ENVELOPE_PULSE, .a = (x), .b = (low), .on_ms = (on), .off_ms = (off)            \
    }

static const EnvCase env_cases[] = {
    /* constant: the same at t = 0 and the last sample */
    {CONST(40), 1000, 0, 40},
    {CONST(40), 1000, 999, 40},
    /* ramp: A at 0, halfway in the middle, just short of B at the last
     * sample, B as the limit at the end */
    {RAMP(20, 60), 4000, 0, 20},
    {RAMP(20, 60), 4000, 2000, 40},
    {RAMP(20, 60), 4000, 3999, 59.99},
    {RAMP(20, 60), 4000, 4000, 60},
    {RAMP(60, 20), 4000, 1000, 50},
    {RAMP(60, 20), 4000, 3999, 20.01},
    /* wave: A at 0, the midpoint at a quarter, B at half, back to A */
    {WAVE(20, 60, 4000), 8000, 0, 20},
    {WAVE(20, 60, 4000), 8000, 1000, 40},
    {WAVE(20, 60, 4000), 8000, 2000, 60},
    {WAVE(20, 60, 4000), 8000, 3000, 40},
    {WAVE(20, 60, 4000), 8000, 4000, 20},
    {WAVE(20, 60, 4000), 8000, 7999, 20.0000246740},
    {WAVE(50, 30, 6000), 6000, 3000, 30},
    /* pulse: A for on, low for off, the edges exact */
    {PULSE(60, 2000, 1000, 10), 9000, 0, 60},
    {PULSE(60, 2000, 1000, 10), 9000, 1999, 60},
    {PULSE(60, 2000, 1000, 10), 9000, 2000, 10},
    {PULSE(60, 2000, 1000, 10), 9000, 2999, 10},
    {PULSE(60, 2000, 1000, 10), 9000, 3000, 60},
    {PULSE(60, 2000, 1000, 0), 9000, 8999, 0},
};

static void test_envelope_boundaries(void **state)
{
    (void)state;
    for (gsize i = 0; i < G_N_ELEMENTS(env_cases); i++) {
        const EnvCase *c = &env_cases[i];
        double v = mp_envelope_eval(&c->env, c->t, c->duration);
        if (fabs(v - c->expected) > 1e-6) {
            print_error("case %zu: t=%" G_GUINT64_FORMAT " got %.9f want %.9f\n", i, c->t, v,
                        c->expected);
            fail();
        }
    }
}

static void test_quantise(void **state)
{
    (void)state;
    static const struct {
        double intensity, quantum;
        gint level;
    } cases[] = {
        {0, 5, 0},   {2.4, 5, 0},  {2.5, 5, 1},   {7.49, 5, 1},
        {7.5, 5, 2}, {100, 5, 20}, {100, 1, 100}, {33.3, 0.5, 67},
        {-3, 5, 0},  {0.49, 1, 0}, {0.5, 1, 1},   {40, 0, 40}, /* quantum <= 0 counts as 1 */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
        assert_int_equal(mp_quantise(cases[i].intensity, cases[i].quantum), cases[i].level);
    assert_int_equal(mp_quantise(NAN, 1), 0);
}

static const char sided[] = "[Programme]\n"
                            "Name=Sided\n"
                            "Sides=left,right\n"
                            "[Step a]\n"
                            "Muscle=hamstrings\n"
                            "Duration=60s\n"
                            "Intensity=ramp 10% 40%\n"
                            "[Step rest]\n"
                            "Duration=30s\n"
                            "Intensity=0%\n"
                            "[Step only-right]\n"
                            "Muscle=calves\n"
                            "Side=right\n"
                            "Duration=10s\n"
                            "Intensity=20%\n"
                            "[Step only-left]\n"
                            "Muscle=glutes\n"
                            "Side=left\n"
                            "Duration=5s\n"
                            "Intensity=20%\n";

static void test_sides_expansion(void **state)
{
    (void)state;
    g_autoptr(MpProgramme) p = parse_clean(sided);
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    static const struct {
        const char *id;
        MpSide side;
        guint64 start, end;
    } want[] = {
        {"a", MP_SIDE_LEFT, 0, 60000},
        {"rest", MP_SIDE_LEFT, 60000, 90000},
        {"only-left", MP_SIDE_LEFT, 90000, 95000},
        {"a", MP_SIDE_RIGHT, 95000, 155000},
        {"rest", MP_SIDE_RIGHT, 155000, 185000},
        {"only-right", MP_SIDE_RIGHT, 185000, 195000},
    };
    assert_int_equal(mp_timeline_n_entries(tl), G_N_ELEMENTS(want));
    assert_int_equal(mp_timeline_duration(tl), 195000);
    assert_ptr_equal(mp_timeline_programme(tl), p);
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        assert_string_equal(e->step->id, want[i].id);
        assert_int_equal(e->side, want[i].side);
        assert_int_equal(e->index, i);
        assert_int_equal(e->start_ms, want[i].start);
        assert_int_equal(e->end_ms, want[i].end);
        /* start inclusive, end exclusive */
        assert_ptr_equal(mp_timeline_entry_at(tl, want[i].start), e);
        assert_ptr_equal(mp_timeline_entry_at(tl, want[i].end - 1), e);
    }
    assert_null(mp_timeline_entry(tl, G_N_ELEMENTS(want)));
    assert_null(mp_timeline_entry_at(tl, 195000));
    assert_null(mp_timeline_entry_at(tl, G_MAXUINT64));
    /* Intensity exact at the edges: the new step's value at its start, 0
     * at and after the end. */
    assert_true(mp_timeline_intensity(tl, 0) == 10.0);
    assert_true(mp_timeline_intensity(tl, 60000) == 0.0);
    assert_true(fabs(mp_timeline_intensity(tl, 59999) - (10 + 30 * 59999.0 / 60000)) < 1e-9);
    assert_true(mp_timeline_intensity(tl, 95000) == 10.0);
    assert_true(mp_timeline_intensity(tl, 194999) == 20.0);
    assert_true(mp_timeline_intensity(tl, 195000) == 0.0);
    assert_true(mp_timeline_intensity(tl, G_MAXUINT64) == 0.0);
}

static void test_sides_variants(void **state)
{
    (void)state;
    static const struct {
        const char *sides;
        guint n_entries;
        MpSide first, last;
    } cases[] = {
        {"right,left", 5, MP_SIDE_RIGHT, MP_SIDE_LEFT},
        {"left", 3, MP_SIDE_LEFT, MP_SIDE_LEFT},
        {"right", 3, MP_SIDE_RIGHT, MP_SIDE_RIGHT},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = g_strdup_printf(
            "[Programme]\nName=x\nSides=%s\n[Step a]\nMuscle=glutes\nDuration=1s\nIntensity=5%%\n"
            "[Step b]\nDuration=1s\n[Step l]\nSide=%s\nMuscle=calves\nDuration=1s\n"
            "Intensity=5%%\n",
            cases[i].sides, i == 2 ? "right" : "left");
        g_autoptr(MpProgramme) p = parse_clean(text);
        g_autoptr(MpTimeline) tl = mp_timeline_new(p);
        assert_int_equal(mp_timeline_n_entries(tl), cases[i].n_entries);
        assert_int_equal(mp_timeline_entry(tl, 0)->side, cases[i].first);
        assert_int_equal(mp_timeline_entry(tl, cases[i].n_entries - 1)->side, cases[i].last);
    }
    /* Sides=none: each step once, with its own Side or none. */
    g_autoptr(MpProgramme) p = parse_clean(
        "[Programme]\nName=x\nSides=none\n[Step a]\nMuscle=glutes\nDuration=1s\n"
        "Intensity=5%\n[Step b]\nSide=left\nMuscle=calves\nDuration=2s\nIntensity=5%\n");
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    assert_int_equal(mp_timeline_n_entries(tl), 2);
    assert_int_equal(mp_timeline_entry(tl, 0)->side, MP_SIDE_NONE);
    assert_int_equal(mp_timeline_entry(tl, 1)->side, MP_SIDE_LEFT);
    assert_int_equal(mp_timeline_duration(tl), 3000);
}

/* A long programme with every envelope, odd periods and lengths, rising
 * and falling waves, tiny amplitudes, pulses with and without low=. */
static const char long_programme[] =
    "[Programme]\n"
    "Name=Everything\n"
    "Sides=left,right\n"
    "[Step up]\nMuscle=hamstrings\nDuration=10s\nIntensity=ramp 0% 30%\n"
    "[Step wave]\nMuscle=hamstrings\nZone=mid\nDuration=61s\nIntensity=wave 20% 50% period=7s\n"
    "[Step wave-odd]\nMuscle=glutes\nDuration=29.3s\nIntensity=wave 35% 47.5% period=4.999s\n"
    "[Step pulse]\nMuscle=semitendinosus\nDuration=20s\nIntensity=pulse 40% on=1.5s off=1s "
    "low=15%\n"
    "[Step pulse0]\nMuscle=calves\nDuration=7.2s\nIntensity=pulse 20% on=1s off=1.3s\n"
    "[Step down]\nMuscle=biceps-femoris\nDuration=33.3s\nIntensity=ramp 50% 10%\n"
    "[Step flat]\nMuscle=calves\nDuration=5s\nIntensity=constant 12.5%\n"
    "[Step fall-wave]\nMuscle=quadriceps\nDuration=40s\nIntensity=wave 50% 20% period=9.5s\n"
    "[Step tiny]\nMuscle=lower-back\nDuration=20s\nIntensity=wave 40% 41% period=6s\n"
    "[Step odd-ramp]\nMuscle=semimembranosus\nDuration=7.777s\nIntensity=ramp 12.3% 45.6%\n"
    "[Step same]\nMuscle=glutes\nDuration=3s\nIntensity=ramp 30% 30%\n"
    /* A period so short a half period starts on a new level (a regression:
     * the piece's first millisecond must be checked before its last). */
    "[Step fast-wave]\nMuscle=calves\nDuration=50ms\nIntensity=wave 85.769% 32.14% period=3ms\n"
    "[Step rest]\nDuration=3s\nIntensity=0%\n";

static gint level_at(const MpTimeline *tl, guint64 t, double quantum)
{
    return mp_quantise(mp_timeline_intensity(tl, t), quantum);
}

static gboolean is_entry_start(const MpTimeline *tl, guint64 t)
{
    const MpTimelineEntry *e = mp_timeline_entry_at(tl, t);
    return e && e->start_ms == t;
}

/* Every t' in (0, duration] at which the level differs from t' - 1, a new
 * entry starts, or the programme ends: found by brute force. */
static GArray *scan_changes(const MpTimeline *tl, double quantum)
{
    GArray *changes = g_array_new(FALSE, FALSE, sizeof(guint64));
    guint64 d = mp_timeline_duration(tl);
    gint prev = level_at(tl, 0, quantum);
    for (guint64 t = 1; t <= d; t++) {
        gint level = level_at(tl, t, quantum);
        if (level != prev || is_entry_start(tl, t) || t == d)
            g_array_append_val(changes, t);
        prev = level;
    }
    return changes;
}

static gboolean chain_ok(const MpTimeline *tl, double quantum);

static void check_chain(const MpTimeline *tl, double quantum)
{
    assert_true(chain_ok(tl, quantum));
}

static gboolean chain_ok(const MpTimeline *tl, double quantum)
{
    g_autoptr(GArray) want = scan_changes(tl, quantum);
    guint k = 0;
    guint64 t = 0;
    for (;;) {
        guint64 next = mp_timeline_next_change(tl, t, quantum);
        if (next == G_MAXUINT64)
            break;
        if (k >= want->len || next != g_array_index(want, guint64, k)) {
            print_error("quantum %g: from %" G_GUINT64_FORMAT " got %" G_GUINT64_FORMAT
                        " want %" G_GUINT64_FORMAT "\n",
                        quantum, t, next, k < want->len ? g_array_index(want, guint64, k) : 0);
            return FALSE;
        }
        k++;
        t = next;
    }
    if (k != want->len || t != mp_timeline_duration(tl) || want->len == 0) {
        print_error("quantum %g: %u changes found, %u expected\n", quantum, k, want->len);
        return FALSE;
    }

    /* From any instant, not only the chain's: the next change after t. */
    guint j = 0;
    for (guint64 s = 0; s < mp_timeline_duration(tl); s += 13) {
        while (g_array_index(want, guint64, j) <= s)
            j++;
        guint64 next = mp_timeline_next_change(tl, s, quantum);
        if (next != g_array_index(want, guint64, j)) {
            print_error("quantum %g: from %" G_GUINT64_FORMAT " got %" G_GUINT64_FORMAT
                        " want %" G_GUINT64_FORMAT "\n",
                        quantum, s, next, g_array_index(want, guint64, j));
            return FALSE;
        }
    }
    return TRUE;
}

static void test_next_change_exact(void **state)
{
    (void)state;
    g_autoptr(MpProgramme) p = parse_clean(long_programme);
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    static const double quanta[] = {1, 5, 2.5, 0.5, 10, 0.1, 3.7};
    for (gsize i = 0; i < G_N_ELEMENTS(quanta); i++)
        check_chain(tl, quanta[i]);
}

static void test_next_change_ends(void **state)
{
    (void)state;
    g_autoptr(MpProgramme) p = parse_clean(sided);
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    guint64 d = mp_timeline_duration(tl);
    assert_int_equal(mp_timeline_next_change(tl, d - 1, 1), d);
    assert_int_equal(mp_timeline_next_change(tl, d, 1), G_MAXUINT64);
    assert_int_equal(mp_timeline_next_change(tl, G_MAXUINT64, 1), G_MAXUINT64);
    /* a constant step: the next change is the next entry's start */
    assert_int_equal(mp_timeline_next_change(tl, 60000, 1), 90000);
    /* ramp 10 -> 40 over 60 s, quantum 5: 12.5% is reached at 5 s */
    assert_int_equal(mp_timeline_next_change(tl, 0, 5), 5000);
    /* a quantum larger than the whole ramp: only the step's end */
    assert_int_equal(mp_timeline_next_change(tl, 0, 1000), 60000);
}

static MpProgramme *load_fixture(const char *name)
{
    g_autofree char *path = g_build_filename(TEST_DATADIR, "programmes", "valid", name, NULL);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    MpProgramme *p = mp_programme_load_file(path, NULL, diags);
    assert_non_null(p);
    assert_int_equal(diags->len, 0);
    return p;
}

/* The worked example in docs/programmes.md says what it plays; hold it to it. */
static void test_docs_example(void **state)
{
    (void)state;
    g_autoptr(MpProgramme) p = load_fixture("docs-fuller-example.programme");
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    static const char *const order[] = {"start", "steady", "waves", "taps", "down", "rest",
                                        "start", "steady", "waves", "down", "rest"};
    assert_int_equal(mp_timeline_n_entries(tl), G_N_ELEMENTS(order));
    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        assert_string_equal(mp_timeline_entry(tl, i)->step->id, order[i]);
        assert_int_equal(mp_timeline_entry(tl, i)->side, i < 6 ? MP_SIDE_RIGHT : MP_SIDE_LEFT);
    }
    assert_int_equal(mp_timeline_entry(tl, 6)->start_ms, 305000);
    assert_int_equal(mp_timeline_duration(tl), 590000);

    g_autoptr(MpProgramme) first = load_fixture("docs-first-example.programme");
    g_autoptr(MpTimeline) tl2 = mp_timeline_new(first);
    assert_int_equal(mp_timeline_duration(tl2), 360000);
}

/* next_change over every valid fixture, against the scan. */
static void test_next_change_fixtures(void **state)
{
    (void)state;
    static const char *const names[] = {"two-passes.programme", "every-envelope.programme",
                                        "docs-fuller-example.programme"};
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(MpProgramme) p = load_fixture(names[i]);
        g_autoptr(MpTimeline) tl = mp_timeline_new(p);
        check_chain(tl, 1);
        check_chain(tl, 5);
    }
}

/* Random programmes (fixed seed): random envelopes, levels with decimals,
 * odd durations and periods, odd quanta; every change found, none extra. */
static void test_next_change_random(void **state)
{
    (void)state;
    g_autoptr(GRand) rand = g_rand_new_with_seed(RANDOM_SEED);
    static const double quanta[] = {0.1, 0.5, 1, 2, 2.5, 3.3, 5, 7, 10, 25};
    for (int round = 0; round < RANDOM_ROUNDS; round++) {
        GString *text = g_string_new("[Programme]\nName=r\n");
        for (int i = 0; i < 5; i++) {
            double a = g_rand_int_range(rand, 0, 100001) / 1000.0;
            double b = g_rand_int_range(rand, 0, 100001) / 1000.0;
            guint dur = (guint)g_rand_int_range(rand, 1, 15000);
            g_string_append_printf(text, "[Step s%d]\nMuscle=calves\nDuration=%ums\n", i, dur);
            switch (g_rand_int_range(rand, 0, 4)) {
            case 0:
                g_string_append_printf(text, "Intensity=%.3f%%\n", a);
                break;
            case 1:
                g_string_append_printf(text, "Intensity=ramp %.3f%% %.3f%%\n", a, b);
                break;
            case 2:
                g_string_append_printf(text, "Intensity=wave %.3f%% %.3f%% period=%dms\n", a, b,
                                       g_rand_int_range(rand, 1, 9000));
                break;
            default:
                g_string_append_printf(text, "Intensity=pulse %.3f%% on=%dms off=%dms low=%.3f%%\n",
                                       a, g_rand_int_range(rand, 1, 3000),
                                       g_rand_int_range(rand, 1, 3000), b);
                break;
            }
        }
        g_autoptr(MpProgramme) p = parse_clean(text->str);
        g_autoptr(MpTimeline) tl = mp_timeline_new(p);
        if (!chain_ok(tl, quanta[g_rand_int_range(rand, 0, G_N_ELEMENTS(quanta))])) {
            print_error("%s", text->str);
            fail();
        }
        g_string_free(text, TRUE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_boundaries), cmocka_unit_test(test_quantise),
        cmocka_unit_test(test_sides_expansion),     cmocka_unit_test(test_sides_variants),
        cmocka_unit_test(test_next_change_exact),   cmocka_unit_test(test_next_change_ends),
        cmocka_unit_test(test_docs_example),        cmocka_unit_test(test_next_change_fixtures),
        cmocka_unit_test(test_next_change_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
