/* The corpus: every tests/programmes/broken/NAME.programme is refused with the
 * located diagnostic its first line expects ("# expect: 14: [Step mid] ..."),
 * and every tests/programmes/valid/NAME.programme loads without a word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/programme.h"
#include "protocol/timeline.h"

#define EXPECT_PREFIX "# expect: "

static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *list_dir(const char *sub)
{
    g_autofree char *dir = g_build_filename(TEST_DATADIR, "programmes", sub, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    assert_non_null(d);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, ".programme"))
            g_ptr_array_add(files, g_build_filename(dir, name, NULL));
    }
    g_ptr_array_sort(files, compare_paths);
    return files;
}

/* The diagnostic without its "<file>:" prefix, as the expect lines are. */
static const char *strip_source(const char *diag, const char *path)
{
    gsize n = strlen(path);
    if (strncmp(diag, path, n) != 0 || diag[n] != ':')
        return NULL;
    diag += n + 1;
    while (*diag == ' ')
        diag++;
    return diag;
}

static void test_broken_corpus(void **state)
{
    (void)state;
    g_autoptr(GPtrArray) files = list_dir("broken");
    assert_true(files->len >= 30);
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    guint failures = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autofree char *text = NULL;
        gsize len = 0;
        assert_true(g_file_get_contents(path, &text, &len, NULL));
        assert_true(g_str_has_prefix(text, EXPECT_PREFIX));
        const char *nl = strchr(text, '\n');
        assert_non_null(nl);
        g_autofree char *expect =
            g_strndup(text + strlen(EXPECT_PREFIX), (gsize)(nl - text) - strlen(EXPECT_PREFIX));

        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpProgramme) p = mp_programme_load_file(path, &limits, diags);
        gboolean found = FALSE;
        for (guint j = 0; j < diags->len; j++) {
            g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, j));
            const char *rest = strip_source(s, path);
            found = found || (rest && g_str_equal(rest, expect));
        }
        if (p || !found) {
            print_error("%s: expected \"%s\"%s; got:\n", path, expect, p ? " and a refusal" : "");
            for (guint j = 0; j < diags->len; j++) {
                g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, j));
                print_error("  %s\n", s);
            }
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void test_valid_corpus(void **state)
{
    (void)state;
    g_autoptr(GPtrArray) files = list_dir("valid");
    assert_true(files->len >= 1);
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpProgramme) p = mp_programme_load_file(path, &limits, diags);
        for (guint j = 0; j < diags->len; j++) {
            g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, j));
            print_error("%s\n", s);
        }
        assert_non_null(p);
        assert_int_equal(diags->len, 0);
        g_autoptr(MpTimeline) tl = mp_timeline_new(p);
        assert_true(mp_timeline_duration(tl) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_corpus),
        cmocka_unit_test(test_valid_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
