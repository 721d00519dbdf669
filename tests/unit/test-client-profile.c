/* Client profiles: parsing, every located error at once, the rule that a
 * profile only tightens the daemon's limits, export round trips, and the
 * exclusions applied to a real programme. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/client-profile.h"
#include "protocol/mp-error.h"
#include "protocol/timeline.h"

static const char good[] = "# an older client\n"
                           "[Client]\n"
                           "Label=mrs-jones\n"
                           "Notes=Prefers a slow start.\\nLikes the wave.\n"
                           "Cautions=Recent strain on the left hamstring\n"
                           "MaxIntensity=40%\n"
                           "MaxSessionTime=10min\n"
                           "ExcludeSides=left\n"
                           "; a comment\n"
                           "ExcludeMuscles=calves, glutes\n"
                           "ExcludeZones=proximal\n";

static MpClientProfile *parse(const char *text, GPtrArray *diags)
{
    return mp_client_profile_parse(text, strlen(text), "p.client", diags);
}

/* The diagnostics, one per line, as msd_diagnostic_format-like text. */
static char *joined(GPtrArray *diags)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *l = mp_diagnostic_to_string(diags->pdata[i]);
        g_string_append_printf(s, "%s\n", l);
    }
    return g_string_free(s, FALSE);
}

static void test_parse_fields(void **state)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpClientProfile) p = parse(good, diags);
    assert_non_null(p);
    assert_int_equal(diags->len, 0);
    assert_string_equal(p->label, "mrs-jones");
    assert_string_equal(p->notes, "Prefers a slow start.\nLikes the wave.");
    assert_string_equal(p->cautions, "Recent strain on the left hamstring");
    assert_true(p->max_intensity > 39.999 && p->max_intensity < 40.001);
    assert_int_equal(p->max_session_ms, 600000);
    assert_true(p->exclude_side[MP_SIDE_LEFT]);
    assert_false(p->exclude_side[MP_SIDE_RIGHT]);
    assert_true(p->exclude_muscle[MP_MUSCLE_CALVES]);
    assert_true(p->exclude_muscle[MP_MUSCLE_GLUTES]);
    assert_false(p->exclude_muscle[MP_MUSCLE_HAMSTRINGS]);
    assert_true(p->exclude_zone[MP_ZONE_PROXIMAL]);
    assert_false(p->exclude_zone[MP_ZONE_MID]);
    assert_int_equal(p->max_intensity_line, 6);
}

static void test_minimal(void **state)
{
    g_autoptr(MpClientProfile) p = parse("[Client]\nLabel=a\n", NULL);
    assert_non_null(p);
    assert_true(p->max_intensity < 0);
    assert_int_equal(p->max_session_ms, 0);
    assert_null(p->notes);
}

static void test_round_trip(void **state)
{
    g_autoptr(MpClientProfile) p = parse(good, NULL);
    assert_non_null(p);
    g_autofree char *text = mp_client_profile_to_text(p);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpClientProfile) q = parse(text, diags);
    assert_non_null(q);
    g_autofree char *again = mp_client_profile_to_text(q);
    assert_string_equal(text, again);
    assert_string_equal(q->notes, p->notes);
    assert_string_equal(q->cautions, p->cautions);
    assert_int_equal(q->max_session_ms, p->max_session_ms);
    assert_memory_equal(q->exclude_side, p->exclude_side, sizeof p->exclude_side);
    assert_memory_equal(q->exclude_muscle, p->exclude_muscle, sizeof p->exclude_muscle);
    assert_memory_equal(q->exclude_zone, p->exclude_zone, sizeof p->exclude_zone);
    /* A backslash in a note survives. */
    g_autoptr(MpClientProfile) b = parse("[Client]\nLabel=b\nNotes=a\\\\nb\n", NULL);
    assert_string_equal(b->notes, "a\\nb");
    g_autofree char *bt = mp_client_profile_to_text(b);
    g_autoptr(MpClientProfile) b2 = parse(bt, NULL);
    assert_string_equal(b2->notes, "a\\nb");
}

/* Every error in one pass, each on its line. */
static void test_all_errors_at_once(void **state)
{
    static const char bad[] = "[Client]\n"                   /* 1 */
                              "Label=bad label!\n"           /* 2 */
                              "MaxIntensity=140%\n"          /* 3 */
                              "MaxSessionTime=ten minutes\n" /* 4 */
                              "ExcludeSides=left,middle\n"   /* 5 */
                              "ExcludeMuscles=hamstrngs\n"   /* 6 */
                              "ExcludeZones=\n"              /* 7 */
                              "MaxIntensty=30%\n"            /* 8 */
                              "just words\n"                 /* 9 */
                              "Notes=a\n"                    /* 10 */
                              "Notes=b\n"                    /* 11 */
                              "[Programme]\n";               /* 12 */
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpClientProfile) p = parse(bad, diags);
    assert_null(p);
    g_autofree char *all = joined(diags);
    assert_non_null(strstr(all, "p.client:2: [Client] Label: the label may hold only"));
    assert_non_null(strstr(all, "p.client:3: [Client] MaxIntensity: 140% is outside"));
    assert_non_null(strstr(all, "p.client:4: [Client] MaxSessionTime:"));
    assert_non_null(strstr(all, "p.client:5: [Client] ExcludeSides: unknown side"));
    assert_non_null(strstr(all, "\"middle\""));
    assert_non_null(
        strstr(all, "p.client:6: [Client] ExcludeMuscles: unknown muscle \"hamstrngs\""));
    assert_non_null(strstr(all, "p.client:7: [Client] ExcludeZones: names no zone"));
    assert_non_null(
        strstr(all, "p.client:8: [Client] MaxIntensty: unknown key; did you mean MaxIntensity?"));
    assert_non_null(strstr(all, "p.client:9: expected Key=Value"));
    assert_non_null(
        strstr(all, "p.client:11: [Client] Notes: set a second time (first on line 10)"));
    assert_non_null(strstr(all, "p.client:12: unknown group [Programme]"));
    assert_int_equal(diags->len, 10);
}

static void test_structure_errors(void **state)
{
    static const char *const cases[][2] = {
        {"", "no [Client] group"},
        {"Label=x\n", "p.client:1: Label: a key before the [Client] header"},
        {"[Client\nLabel=x\n", "p.client:1: a group header needs a closing ]"},
        {"[Client]\nNotes=x\n", "[Client] Label: missing"},
        {"[Client]\nLabel=x\n[Client]\n", "p.client:3: a second [Client] group"},
        {"[Client]\nLabel=-x\n", "must start with a letter or a digit"},
        {"[Client]\nLabel=x\nMaxIntensity=0%\n", "MaxIntensity: 0% is outside"},
        {"[Client]\nLabel=x\nMaxIntensity=40\n", "p.client:3: [Client] MaxIntensity:"},
        {"[Client]\nLabel=x\nMaxSessionTime=0s\n", "must be above 0s"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpClientProfile) p = parse(cases[i][0], diags);
        g_autofree char *all = joined(diags);
        if (p || !strstr(all, cases[i][1]))
            fail_msg("case %u: expected \"%s\" in:\n%s", i, cases[i][1], all);
    }
}

static void test_bad_bytes(void **state)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    static const char nul[] = "[Client]\nLabel=a\0b\n";
    assert_null(mp_client_profile_parse(nul, sizeof nul - 1, "p.client", diags));
    static const char latin1[] = "[Client]\nLabel=a\nNotes=caf\xe9\n";
    assert_null(parse(latin1, diags));
    g_autofree char *huge = g_strnfill(MP_CLIENT_MAX_SIZE + 1, 'a');
    assert_null(parse(huge, diags));
    g_autofree char *longline = g_strdup_printf("[Client]\nLabel=a\nNotes=%s\n", huge + 60000);
    assert_null(parse(longline, diags));
    g_autofree char *longnote = g_strdup_printf("[Client]\nLabel=a\nNotes=%.*s\n", 3000, huge);
    assert_null(parse(longnote, diags));
    g_autofree char *all = joined(diags);
    assert_non_null(strstr(all, "not UTF-8"));
    assert_non_null(strstr(all, "at most 65536 are allowed"));
    assert_non_null(strstr(all, "p.client:3: the line is longer than 4096 bytes"));
    assert_non_null(strstr(all, "p.client:3: [Client] Notes: 3000 bytes long"));
    /* Every prefix of a good profile parses or fails cleanly. */
    for (gsize n = 0; n <= strlen(good); n++) {
        g_autoptr(GPtrArray) d = mp_diagnostics_new();
        g_autoptr(MpClientProfile) p = mp_client_profile_parse(good, n, "p.client", d);
        assert_true((p != NULL) == !mp_diagnostics_have_errors(d));
    }
}

static void test_labels(void **state)
{
    assert_true(mp_client_label_check("Mrs.Jones_2-b", NULL));
    g_autofree char *max = g_strnfill(MP_CLIENT_MAX_LABEL, 'a');
    assert_true(mp_client_label_check(max, NULL));
    g_autofree char *over = g_strnfill(MP_CLIENT_MAX_LABEL + 1, 'a');
    static const char *const bad[] = {"", "../etc", ".hidden", "a/b", "a b", "caf\xc3\xa9", "a\n"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        assert_false(mp_client_label_check(bad[i], &e));
        assert_true(g_error_matches(e, MP_ERROR, MP_ERROR_INVALID));
    }
    assert_false(mp_client_label_check(over, NULL));
    assert_false(mp_client_label_check(NULL, NULL));
}

/* A profile may only tighten the daemon's limits. */
static void test_limits(void **state)
{
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    limits.max_intensity = 60;
    limits.max_session_ms = 20 * 60 * 1000;
    g_autoptr(MpClientProfile) ok = parse(good, NULL);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    assert_true(mp_client_profile_check_limits(ok, &limits, "p.client", diags));
    assert_int_equal(diags->len, 0);
    g_autoptr(MpClientProfile) eq =
        parse("[Client]\nLabel=a\nMaxIntensity=60%\nMaxSessionTime=20min\n", NULL);
    assert_true(mp_client_profile_check_limits(eq, &limits, "p.client", diags));

    g_autoptr(MpClientProfile) raise =
        parse("[Client]\nLabel=a\nMaxIntensity=61%\nMaxSessionTime=21min\n", NULL);
    assert_non_null(raise);
    assert_false(mp_client_profile_check_limits(raise, &limits, "p.client", diags));
    g_autofree char *all = joined(diags);
    assert_non_null(strstr(all, "p.client:3: [Client] MaxIntensity: 61% is above the daemon's "
                                "MaxIntensity of 60%; a profile may only lower limits"));
    assert_non_null(strstr(all, "p.client:4: [Client] MaxSessionTime: 21min is longer than the "
                                "daemon's MaxSessionTime of 20min"));
    assert_int_equal(diags->len, 2);
}

static const char two_sided[] =
    "[Programme]\n"
    "Name=Two sides\n"
    "Kind=any\n"
    "Sides=left,right\n"
    "[Step a]\n"
    "Muscle=hamstrings\nZone=mid\nDuration=10s\nIntensity=30%\n"
    "[Step b]\n"
    "Muscle=calves\nZone=mid\nDuration=10s\nIntensity=30%\n"
    "[Step c]\n"
    "Muscle=biceps-femoris\nZone=proximal\nDuration=10s\nIntensity=30%\n"
    "[Step r]\nDuration=5s\n";

static MpProgramme *programme(void)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    MpProgramme *p = mp_programme_parse(two_sided, strlen(two_sided), "t.programme", diags);
    assert_non_null(p);
    return p;
}

static void test_apply(void **state)
{
    g_autoptr(MpClientProfile) c =
        parse("[Client]\nLabel=a\nExcludeSides=left\nExcludeMuscles=calves\n", NULL);
    g_autoptr(MpProgramme) p = programme();
    g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
    assert_true(mp_client_profile_apply(c, p, skipped, NULL));
    assert_int_equal(p->n_sides, 1);
    assert_int_equal(p->sides[0], MP_SIDE_RIGHT);
    assert_int_equal(p->steps->len, 3);
    assert_int_equal(skipped->len, 2);
    assert_string_equal(skipped->pdata[0], "left side");
    assert_string_equal(skipped->pdata[1], "step b (calves, mid)");
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    for (guint i = 0; i < mp_timeline_n_entries(tl); i++)
        assert_int_not_equal(mp_timeline_entry(tl, i)->side, MP_SIDE_LEFT);
    assert_int_equal(mp_timeline_duration(tl), 25000);

    /* The hamstrings cover their heads; zones apply to every muscle. */
    g_autoptr(MpClientProfile) h = parse("[Client]\nLabel=a\nExcludeMuscles=hamstrings\n", NULL);
    g_autoptr(MpProgramme) p2 = programme();
    g_ptr_array_set_size(skipped, 0);
    assert_true(mp_client_profile_apply(h, p2, skipped, NULL));
    assert_int_equal(p2->steps->len, 2); /* b and the rest */
    g_autoptr(MpClientProfile) z = parse("[Client]\nLabel=a\nExcludeZones=proximal\n", NULL);
    g_autoptr(MpProgramme) p3 = programme();
    assert_true(mp_client_profile_apply(z, p3, skipped, NULL));
    assert_int_equal(p3->steps->len, 3);
    assert_int_equal(p3->n_sides, 2);

    /* Nothing left to play: refused. */
    g_autoptr(MpClientProfile) all = parse("[Client]\nLabel=a\nExcludeSides=left,right\n", NULL);
    g_autoptr(MpProgramme) p4 = programme();
    g_autoptr(GError) e = NULL;
    assert_false(mp_client_profile_apply(all, p4, skipped, &e));
    assert_true(g_error_matches(e, MP_ERROR, MP_ERROR_SAFETY));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_all_errors_at_once),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
