/* The programme store (daemon/programme-store.c) on a temporary state
 * directory: an import never writes over a stored file it did not write
 * (one that failed to load keeps its id; one that appeared since the start
 * too), MSD_IMPORT_REPLACE is the explicit way, temporary files of
 * interrupted imports are removed at load, errors are bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "daemon/msd-error.h"
#include "daemon/programme-store.h"

typedef struct {
    char *dir;   /* the test's root */
    char *state; /* <dir>/state/programmes */
} Fixture;

static char *programme(const char *name, int pct)
{
    return g_strdup_printf("[Programme]\nName=%s\nSummary=s\nKind=any\n\n[Step warm]\n"
                           "Muscle=hamstrings\nZone=full-length\nDuration=10s\n"
                           "Intensity=ramp 10%% %d%%\n\n[Step work]\nMuscle=hamstrings\n"
                           "Zone=full-length\nDuration=4s\nIntensity=%d%%\n",
                           name, pct, pct);
}

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    f->dir = g_dir_make_tmp("test-programme-store-XXXXXX", NULL);
    f->state = g_build_filename(f->dir, "state", "programmes", NULL);
    g_mkdir_with_parents(f->state, 0755);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    g_free(f->dir);
    g_free(f->state);
    g_free(f);
    return 0;
}

static MsdProgrammeStore *store_with_max(Fixture *f, double max)
{
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    limits.max_intensity = max;
    g_autofree char *state = g_build_filename(f->dir, "state", NULL);
    MsdProgrammeStore *s = msd_programme_store_new(f->dir, state, &limits);
    msd_programme_store_load(s);
    return s;
}

static char *read_file(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

static void test_unloadable_keeps_its_id(void **state)
{
    Fixture *f = *state;
    g_autofree char *strong60 = programme("Strong", 60);
    g_autofree char *strong40 = programme("Strong", 40);
    {
        g_autoptr(MsdProgrammeStore) s = store_with_max(f, 100);
        g_autofree char *id = msd_programme_store_import(s, strong60, NULL);
        assert_string_equal(id, "strong");
    }
    /* Stricter limits: strong.programme no longer loads. */
    g_autoptr(MsdProgrammeStore) s = store_with_max(f, 50);
    g_autoptr(GError) error = NULL;
    assert_null(msd_programme_store_lookup(s, "strong", &error));
    g_autofree char *id = msd_programme_store_import(s, strong40, NULL);
    assert_string_equal(id, "strong-2");
    g_autofree char *kept = read_file(f->state, "strong.programme");
    assert_string_equal(kept, strong60);

    /* A file put there since the load is not overwritten either. */
    g_autofree char *hand = programme("Hand", 10);
    g_autofree char *hand_path = g_build_filename(f->state, "hand.programme", NULL);
    assert_true(g_file_set_contents(hand_path, hand, -1, NULL));
    g_autofree char *hand20 = programme("Hand", 20);
    g_autofree char *id2 = msd_programme_store_import(s, hand20, NULL);
    assert_string_equal(id2, "hand-2");
    g_autofree char *hand_kept = read_file(f->state, "hand.programme");
    assert_string_equal(hand_kept, hand);

    /* Replace is the explicit way. */
    g_autofree char *id3 = msd_programme_store_import_full(s, strong40, MSD_IMPORT_REPLACE, NULL);
    assert_string_equal(id3, "strong");
    g_autofree char *replaced = read_file(f->state, "strong.programme");
    assert_string_equal(replaced, strong40);
    assert_non_null(msd_programme_store_lookup(s, "strong", NULL));
}

static void test_stale_temps_removed(void **state)
{
    Fixture *f = *state;
    g_autofree char *tmp = g_build_filename(f->state, "x.programme.Ab12Cd", NULL);
    g_autofree char *other = g_build_filename(f->state, "notes.txt", NULL);
    assert_true(g_file_set_contents(tmp, "half", -1, NULL));
    assert_true(g_file_set_contents(other, "mine", -1, NULL));
    g_autoptr(MsdProgrammeStore) s = store_with_max(f, 100);
    assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(other, G_FILE_TEST_EXISTS));
}

static void test_errors_bounded(void **state)
{
    Fixture *f = *state;
    g_autoptr(MsdProgrammeStore) s = store_with_max(f, 100);
    GString *text = g_string_new("[Programme]\nName=Many\nSummary=s\nKind=any\n");
    for (int i = 0; i < 1000; i++)
        g_string_append_printf(text, "\n[Step s%d]\nDuration=1s\nIntensity=160%%\n", i);
    g_autoptr(GError) error = NULL;
    assert_null(msd_programme_store_import(s, text->str, &error));
    assert_true(g_error_matches(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME));
    assert_true(strlen(error->message) < 3000);
    assert_non_null(strstr(error->message, "more errors"));
    g_string_free(text, TRUE);

    g_autofree char *huge_id = g_strnfill(1 << 20, 'x');
    g_autoptr(GError) e2 = NULL;
    assert_null(msd_programme_store_lookup(s, huge_id, &e2));
    assert_true(strlen(e2->message) < 200);
}

/* Both directories are read by mp_programme_dir_load: a stored file with a
 * NUL byte or over the size bound is left out (kept, its id taken), the
 * good ones load beside it; an imported file cannot take a built-in's id. */
static void test_bad_files_left_out(void **state)
{
    Fixture *f = *state;
    g_autofree char *builtin_dir = g_build_filename(f->dir, "programmes", NULL);
    g_mkdir_with_parents(builtin_dir, 0755);
    g_autofree char *gentle = programme("Gentle", 20);
    g_autofree char *gentle_path = g_build_filename(builtin_dir, "gentle.programme", NULL);
    assert_true(g_file_set_contents(gentle_path, gentle, -1, NULL));
    /* The same id among the imported ones, with other text. */
    g_autofree char *other = programme("Gentle", 30);
    g_autofree char *other_path = g_build_filename(f->state, "gentle.programme", NULL);
    assert_true(g_file_set_contents(other_path, other, -1, NULL));

    g_autofree char *good = programme("Good", 40);
    g_autofree char *good_path = g_build_filename(f->state, "good.programme", NULL);
    assert_true(g_file_set_contents(good_path, good, -1, NULL));
    g_autofree char *nul = programme("Nul", 40);
    gssize nul_len = (gssize)strlen(nul);
    nul[strlen("[Programme]\nName=Nul")] = '\0'; /* the newline after the Name */
    g_autofree char *nul_path = g_build_filename(f->state, "nul.programme", NULL);
    assert_true(g_file_set_contents(nul_path, nul, nul_len, NULL));
    g_autofree char *big = g_strnfill(MP_PROGRAMME_MAX_SIZE + 1, '#');
    g_autofree char *big_path = g_build_filename(f->state, "big.programme", NULL);
    assert_true(g_file_set_contents(big_path, big, -1, NULL));

    g_autoptr(MsdProgrammeStore) s = store_with_max(f, 100);
    g_autoptr(GPtrArray) list = msd_programme_store_list(s);
    assert_int_equal(list->len, 2);
    const MsdProgrammeEntry *b = list->pdata[0];
    assert_string_equal(b->id, "gentle");
    assert_true(b->builtin);
    assert_string_equal(b->text, gentle);
    const MsdProgrammeEntry *g = list->pdata[1];
    assert_string_equal(g->id, "good");
    assert_string_equal(g->text, good);
    assert_string_equal(g->path, good_path);

    /* The ids of the files left out stay taken. */
    g_autofree char *nul10 = programme("Nul", 10);
    g_autofree char *nul_id = msd_programme_store_import(s, nul10, NULL);
    assert_string_equal(nul_id, "nul-2");
    g_autofree char *big10 = programme("Big", 10);
    g_autofree char *big_id = msd_programme_store_import(s, big10, NULL);
    assert_string_equal(big_id, "big-2");
    assert_true(g_file_test(nul_path, G_FILE_TEST_IS_REGULAR));
    assert_true(g_file_test(big_path, G_FILE_TEST_IS_REGULAR));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unloadable_keeps_its_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temps_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files_left_out, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
