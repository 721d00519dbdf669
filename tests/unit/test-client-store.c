/* The client-profile store on a real directory: what it loads and leaves out
 * (never deleting a file), add and replace and their refusals, that a
 * refused save leaves the stored file as it was, and remove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/client-store.h"
#include "daemon/msd-error.h"
#include "tmp-dir.h"

typedef struct {
    char *dir;
    char *clients;
    MpSafetyLimits limits;
} Fx;

static int setup(void **state)
{
    Fx *fx = g_new0(Fx, 1);
    fx->dir = g_dir_make_tmp("test-client-store-XXXXXX", NULL);
    assert_non_null(fx->dir);
    fx->clients = g_build_filename(fx->dir, "clients", NULL);
    mp_safety_limits_init(&fx->limits);
    fx->limits.max_intensity = 60;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    g_chmod(fx->clients, 0700);
    rm_rf(fx->dir);
    g_free(fx->dir);
    g_free(fx->clients);
    g_free(fx);
    return 0;
}

static void put(Fx *fx, const char *name, const char *text)
{
    g_mkdir_with_parents(fx->clients, 0700);
    g_autofree char *p = g_build_filename(fx->clients, name, NULL);
    assert_true(g_file_set_contents(p, text, -1, NULL));
}

static char *get(Fx *fx, const char *name)
{
    g_autofree char *p = g_build_filename(fx->clients, name, NULL);
    char *text = NULL;
    return g_file_get_contents(p, &text, NULL, NULL) ? text : NULL;
}

static void test_load(void **state)
{
    Fx *fx = *state;
    put(fx, "good.client", "[Client]\nLabel=good\nMaxIntensity=40%\n");
    put(fx, "broken.client", "[Client]\nLabel=broken\nMaxIntensity=lots\n");
    put(fx, "loose.client", "[Client]\nLabel=loose\nMaxIntensity=80%\n");
    put(fx, "other.client", "[Client]\nLabel=not-other\n");
    put(fx, "notes.txt", "not a profile");
    g_autoptr(MsdClientStore) s = msd_client_store_new(fx->dir, &fx->limits);
    msd_client_store_load(s);
    g_autoptr(GPtrArray) list = msd_client_store_list(s);
    assert_int_equal(list->len, 1);
    assert_string_equal(((MpClientProfile *)list->pdata[0])->label, "good");
    /* What was left out is still on disk. */
    g_autofree char *b = get(fx, "broken.client");
    g_autofree char *l = get(fx, "loose.client");
    g_autofree char *o = get(fx, "other.client");
    assert_non_null(b);
    assert_non_null(l);
    assert_non_null(o);
    g_autoptr(GError) e = NULL;
    assert_null(msd_client_store_lookup(s, "loose", &e));
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_NOT_FOUND));
    g_clear_error(&e);
    assert_null(msd_client_store_lookup(s, "../x", &e));
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_INVALID_ARGS));
}

static void test_save(void **state)
{
    Fx *fx = *state;
    g_autoptr(MsdClientStore) s = msd_client_store_new(fx->dir, &fx->limits);
    msd_client_store_load(s); /* no directory yet */
    g_autoptr(GError) e = NULL;
    g_autofree char *label =
        msd_client_store_save(s, "[Client]\nLabel=ann\nMaxIntensity=40%\n", FALSE, &e);
    assert_string_equal(label, "ann");
    g_autofree char *path = g_build_filename(fx->clients, "ann.client", NULL);
    GStatBuf st;
    assert_int_equal(g_stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* Add again: refused; replace an unknown label: refused. */
    assert_null(msd_client_store_save(s, "[Client]\nLabel=ann\n", FALSE, &e));
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_INVALID_ARGS));
    assert_non_null(strstr(e->message, "exists already"));
    g_clear_error(&e);
    assert_null(msd_client_store_save(s, "[Client]\nLabel=bob\n", TRUE, &e));
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_NOT_FOUND));
    g_clear_error(&e);

    /* A raise, and a bad text: every located error; the stored file unchanged. */
    g_autofree char *before = get(fx, "ann.client");
    assert_null(msd_client_store_save(
        s, "[Client]\nLabel=ann\nMaxIntensity=70%\nMaxSessionTime=2h\n", TRUE, &e));
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_INVALID_ARGS));
    assert_non_null(strstr(e->message, "line 3: [Client] MaxIntensity: 70% is above the daemon's "
                                       "MaxIntensity of 60%"));
    assert_non_null(strstr(e->message, "\nline 4: [Client] MaxSessionTime: 2h is longer"));
    g_clear_error(&e);
    assert_null(msd_client_store_save(s, "[Client]\nLabel=ann\nExcludeSides=up\n", TRUE, &e));
    assert_non_null(strstr(e->message, "line 3: [Client] ExcludeSides: unknown side"));
    g_clear_error(&e);
    g_autofree char *after = get(fx, "ann.client");
    assert_string_equal(before, after);

    /* A write that fails (the directory is read-only) keeps the old file and
     * the old profile. Skipped as root, who writes anyway. */
    if (geteuid() != 0) {
        g_chmod(fx->clients, 0500);
        assert_null(msd_client_store_save(s, "[Client]\nLabel=ann\nMaxIntensity=30%\n", TRUE, &e));
        assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_FAILED));
        g_clear_error(&e);
        g_chmod(fx->clients, 0700);
        g_autofree char *still = get(fx, "ann.client");
        assert_string_equal(before, still);
        assert_true(msd_client_store_lookup(s, "ann", NULL)->max_intensity == 40);
    }

    /* Replace: stored in canonical form, and read back by a new store. */
    g_free(label);
    label = msd_client_store_save(s, "[Client]\nLabel=ann\nMaxIntensity=35%\n", TRUE, &e);
    assert_non_null(label);
    g_autoptr(MsdClientStore) again = msd_client_store_new(fx->dir, &fx->limits);
    msd_client_store_load(again);
    assert_true(msd_client_store_lookup(again, "ann", NULL)->max_intensity == 35);

    assert_true(msd_client_store_remove(s, "ann", &e));
    g_autofree char *gone = get(fx, "ann.client");
    assert_null(gone);
    assert_false(msd_client_store_remove(s, "ann", &e));
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_NOT_FOUND));
}

static void test_summary(void **state)
{
    g_autoptr(GPtrArray) d = mp_diagnostics_new();
    static const char t[] = "[Client]\nLabel=a\nMaxIntensity=40%\nMaxSessionTime=10min\n"
                            "ExcludeSides=left\nExcludeMuscles=calves\nExcludeZones=mid\n";
    g_autoptr(MpClientProfile) p = mp_client_profile_parse(t, strlen(t), "t", d);
    g_autofree char *s = msd_client_profile_summary(p);
    assert_string_equal(s, "max 40%, at most 10min, leaves out left side, calves, mid zone");
    g_autoptr(MpClientProfile) q = mp_client_profile_parse("[Client]\nLabel=a\n", 17, "t", d);
    g_autofree char *none = msd_client_profile_summary(q);
    assert_string_equal(none, "no limits of its own");
}

/* Read bounded, by the one rule for a directory's files: a FIFO is refused
 * unread (the load does not hang), a file over MP_CLIENT_MAX_SIZE is left
 * out, both stay on disk, the good profile still loads. */
static void test_load_bounded(void **state)
{
    Fx *fx = *state;
    put(fx, "good.client", "[Client]\nLabel=good\n");
    g_autofree char *big = g_strnfill(MP_CLIENT_MAX_SIZE + 1, '#');
    put(fx, "big.client", big);
    g_autofree char *fifo = g_build_filename(fx->clients, "fifo.client", NULL);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    g_autoptr(MsdClientStore) s = msd_client_store_new(fx->dir, &fx->limits);
    msd_client_store_load(s);
    g_autoptr(GPtrArray) list = msd_client_store_list(s);
    assert_int_equal(list->len, 1);
    assert_string_equal(((MpClientProfile *)list->pdata[0])->label, "good");
    g_autofree char *kept = get(fx, "big.client");
    assert_string_equal(kept, big);
    assert_true(g_file_test(fifo, G_FILE_TEST_EXISTS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_bounded, setup, teardown),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
