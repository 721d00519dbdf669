/* mp_programme_dir_load (protocol/programme.c): the one reader of a
 * programme directory, for massaged's store and massagectl offline. Every
 * file is read with the size bound and loaded with the caller's limits; a
 * bad file is reported by name and does not stop the good ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "protocol/programme.h"

static const char good[] = "[Programme]\nName=Good\nKind=any\n\n[Step a]\nMuscle=calves\n"
                           "Zone=mid\nDuration=10s\nIntensity=20%\n";

static int setup(void **state)
{
    *state = g_dir_make_tmp("test-programme-dir-XXXXXX", NULL);
    assert_non_null(*state);
    return 0;
}

static int teardown(void **state)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", (char *)*state);
    assert_int_equal(system(cmd), 0);
    g_free(*state);
    return 0;
}

static void put(const char *dir, const char *name, const char *text, gssize len)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    assert_true(g_file_set_contents(path, text, len, NULL));
}

/* "path: message" lines of every diagnostic of one file. */
static char *diagnostics_text(const MpProgrammeFile *f)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < f->diagnostics->len; i++) {
        g_autofree char *line = mp_diagnostic_to_string(f->diagnostics->pdata[i]);
        g_string_append_printf(s, "%s\n", line);
    }
    return g_string_free(s, FALSE);
}

static const MpProgrammeFile *file_at(GPtrArray *files, guint i, const char *id)
{
    assert_true(i < files->len);
    const MpProgrammeFile *f = files->pdata[i];
    assert_string_equal(f->id, id);
    return f;
}

static void assert_one_error(const MpProgrammeFile *f, const char *want_suffix)
{
    assert_null(f->programme);
    g_autofree char *got = diagnostics_text(f);
    g_autofree char *want = g_strdup_printf("%s%s\n", f->path, want_suffix);
    assert_string_equal(got, want);
}

/* The good files load, each bad one is there with what is wrong, by name. */
static void test_bad_among_good(void **state)
{
    const char *dir = *state;
    put(dir, "a-good.programme", good, -1);
    put(dir, "z-good.programme", good, -1);
    /* A NUL byte in line 3: reported at its line, not cut off there. */
    static const char nul[] = "[Programme]\nName=Nul\nKind=any\0\n\n[Step a]\nMuscle=calves\n"
                              "Zone=mid\nDuration=10s\nIntensity=20%\n";
    put(dir, "b-nul.programme", nul, sizeof nul - 1);
    /* One byte over the bound. */
    g_autofree char *big = g_strnfill(MP_PROGRAMME_MAX_SIZE + 1, '#');
    put(dir, "c-big.programme", big, -1);
    put(dir, "d-invalid.programme",
        "[Programme]\nName=x\n[Step a]\nMuscle=calves\nZone=mid\nDuration=1s\nIntensity=160%\n",
        -1);
    g_autofree char *subdir = g_build_filename(dir, "e-dir.programme", NULL);
    assert_int_equal(g_mkdir(subdir, 0755), 0);
    /* Not programme files: another suffix, an import's temporary file,
     * hidden files (an editor's lock). */
    put(dir, "notes.txt", "x", -1);
    put(dir, "f.programme.Ab12Cd", good, -1);
    put(dir, ".hidden.programme", good, -1);
    put(dir, ".#a-good.programme", good, -1);

    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) files = mp_programme_dir_load(dir, NULL, &error);
    assert_non_null(files);
    assert_null(error);
    assert_int_equal(files->len, 6);

    const MpProgrammeFile *a = file_at(files, 0, "a-good");
    g_autofree char *a_path = g_build_filename(dir, "a-good.programme", NULL);
    assert_string_equal(a->path, a_path);
    assert_non_null(a->programme);
    assert_string_equal(a->programme->name, "Good");
    assert_string_equal(a->text, good);
    assert_int_equal(a->len, strlen(good));
    assert_int_equal(a->diagnostics->len, 0);

    const MpProgrammeFile *b = file_at(files, 1, "b-nul");
    assert_one_error(b, ":3: [Programme] the line contains a NUL byte");
    assert_int_equal(b->len, sizeof nul - 1); /* read whole, past the NUL */

    const MpProgrammeFile *c = file_at(files, 2, "c-big");
    assert_one_error(c, ": the file is larger than 1048576 bytes");
    assert_null(c->text); /* refused, not read */

    const MpProgrammeFile *d = file_at(files, 3, "d-invalid");
    assert_null(d->programme);
    assert_non_null(d->text);
    assert_true(mp_diagnostics_have_errors(d->diagnostics));
    g_autofree char *d_text = diagnostics_text(d);
    assert_non_null(strstr(d_text, "160% is above the maximum of 100%"));

    const MpProgrammeFile *e = file_at(files, 4, "e-dir");
    assert_one_error(e, ": not a regular file");

    const MpProgrammeFile *z = file_at(files, 5, "z-good");
    assert_non_null(z->programme);
}

/* The caller's limits, not the defaults: the daemon's stricter config. */
static void test_caller_limits(void **state)
{
    const char *dir = *state;
    put(dir, "p.programme", good, -1);
    MpSafetyLimits strict;
    mp_safety_limits_init(&strict);
    strict.max_intensity = 15;
    g_autoptr(GPtrArray) loose = mp_programme_dir_load(dir, NULL, NULL);
    assert_non_null(file_at(loose, 0, "p")->programme);
    g_autoptr(GPtrArray) files = mp_programme_dir_load(dir, &strict, NULL);
    const MpProgrammeFile *p = file_at(files, 0, "p");
    assert_null(p->programme);
    g_autofree char *text = diagnostics_text(p);
    assert_non_null(strstr(text, "20% is above the maximum of 15%"));
}

static void test_missing_and_empty(void **state)
{
    const char *dir = *state;
    g_autoptr(GPtrArray) none = mp_programme_dir_load(dir, NULL, NULL);
    assert_non_null(none);
    assert_int_equal(none->len, 0);

    g_autofree char *missing = g_build_filename(dir, "nope", NULL);
    g_autoptr(GError) error = NULL;
    assert_null(mp_programme_dir_load(missing, NULL, &error));
    assert_true(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}

/* mp_programme_load_file reads by the same rule: a NUL byte is located, a
 * missing file is named once. */
static void test_load_file_same_reader(void **state)
{
    const char *dir = *state;
    static const char nul[] = "[Programme]\nName=a\0b\n";
    put(dir, "n.programme", nul, sizeof nul - 1);
    g_autofree char *path = g_build_filename(dir, "n.programme", NULL);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    assert_null(mp_programme_load_file(path, NULL, diags));
    g_autofree char *got = mp_diagnostic_to_string(diags->pdata[0]);
    g_autofree char *want = g_strdup_printf("%s:2: [Programme] the line contains a NUL byte", path);
    assert_string_equal(got, want);

    g_autofree char *missing = g_build_filename(dir, "missing.programme", NULL);
    g_autoptr(GPtrArray) diags2 = mp_diagnostics_new();
    assert_null(mp_programme_load_file(missing, NULL, diags2));
    assert_int_equal(diags2->len, 1);
    g_autofree char *got2 = mp_diagnostic_to_string(diags2->pdata[0]);
    g_autofree char *want2 = g_strdup_printf("%s: No such file or directory", missing);
    assert_string_equal(got2, want2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_among_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file_same_reader, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
