/* A configuration and its drop-ins (mp_config_files_load): which files are
 * read, in which order, and what a missing or unreadable one gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "protocol/mp-error.h"
#include "protocol/text-file.h"
#include "tmp-dir.h"

typedef struct {
    char *dir;
    char *conf;      /* dir/main.conf */
    char *dropins;   /* dir/main.conf.d */
    GPtrArray *read; /* base names, in the order parse saw them */
} Fx;

static void put(const char *dir, const char *name, const char *text)
{
    g_autofree char *p = g_build_filename(dir, name, NULL);
    assert_true(g_file_set_contents(p, text, -1, NULL));
}

static gboolean record(const char *text, gsize len, const char *source, gpointer user_data,
                       GError **error)
{
    (void)text;
    (void)len;
    (void)error;
    Fx *fx = user_data;
    g_ptr_array_add(fx->read, g_path_get_basename(source));
    return TRUE;
}

static int setup(void **state)
{
    Fx *fx = g_new0(Fx, 1);
    fx->dir = g_dir_make_tmp("test-config-files-XXXXXX", NULL);
    assert_non_null(fx->dir);
    fx->conf = g_build_filename(fx->dir, "main.conf", NULL);
    fx->dropins = g_build_filename(fx->dir, "main.conf.d", NULL);
    fx->read = g_ptr_array_new_with_free_func(g_free);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    rm_rf(fx->dir);
    g_free(fx->dir);
    g_free(fx->conf);
    g_free(fx->dropins);
    g_ptr_array_unref(fx->read);
    g_free(fx);
    return 0;
}

static char *joined(GPtrArray *names)
{
    g_ptr_array_add(names, NULL);
    char *s = g_strjoinv(" ", (char **)names->pdata);
    g_ptr_array_remove_index(names, names->len - 1);
    return s;
}

/* The main file first, then the *.conf drop-ins in byte order of their
 * names; hidden files (an editor's lock) and other suffixes are skipped. */
static void test_order_and_skips(void **state)
{
    Fx *fx = *state;
    put(fx->dir, "main.conf", "[A]\n");
    assert_int_equal(g_mkdir(fx->dropins, 0700), 0);
    put(fx->dropins, "50-bedroom.conf", "[A]\n");
    put(fx->dropins, "10-household.conf", "[A]\n");
    put(fx->dropins, ".#10-household.conf", "[A]\n");
    put(fx->dropins, ".hidden.conf", "[A]\n");
    put(fx->dropins, "notes.txt", "[A]\n");
    put(fx->dropins, "20-old.conf~", "[A]\n");
    g_autoptr(GError) error = NULL;
    assert_true(mp_config_files_load(fx->conf, TRUE, fx->dropins, record, fx, MP_ERROR,
                                     MP_ERROR_INVALID, &error));
    assert_null(error);
    g_autofree char *got = joined(fx->read);
    assert_string_equal(got, "main.conf 10-household.conf 50-bedroom.conf");
}

/* A missing main file is fine unless required; a missing drop-in directory
 * always is. */
static void test_missing(void **state)
{
    Fx *fx = *state;
    g_autoptr(GError) error = NULL;
    assert_true(mp_config_files_load(fx->conf, FALSE, fx->dropins, record, fx, MP_ERROR,
                                     MP_ERROR_INVALID, &error));
    assert_int_equal(fx->read->len, 0);
    assert_false(mp_config_files_load(fx->conf, TRUE, fx->dropins, record, fx, MP_ERROR,
                                      MP_ERROR_INVALID, &error));
    assert_non_null(error);
    assert_non_null(strstr(error->message, "main.conf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_skips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
