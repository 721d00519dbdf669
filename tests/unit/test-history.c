/* The session history (daemon/history.c) without a bus: a row begun and
 * completed, interrupted rows at the next open, migrations from an empty
 * file, a newer schema left alone, a damaged file moved aside, retention by
 * rows, query filters and times, and the BlueZ words (msd-error.c). Every
 * test works in its own temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/history.h"
#include "daemon/msd-error.h"
#include "tmp-dir.h"

static char *tmpdir;
static const MsdHistoryRetention keep_all = {0, 0};

static int setup(void **state)
{
    tmpdir = g_dir_make_tmp("test-history-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
    return 0;
}

static MsdHistoryStart start_of(const char *programme, const char *client)
{
    return (MsdHistoryStart){
        .programme_id = programme,
        .programme_name = "A programme",
        .programme_hash = "00",
        .device_address = "AA:BB:CC:DD:EE:01",
        .device_name = "Left",
        .driver = "reference",
        .started_us = g_get_real_time(),
        .steps_total = 3,
        .caller_uid = 1000,
        .caller_name = "ann",
        .client = client,
    };
}

static char *field(GVariant *row, const char *key)
{
    g_autoptr(GVariant) v = g_variant_lookup_value(row, key, NULL);
    if (!v)
        return NULL;
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
        return g_variant_dup_string(v, NULL);
    return g_variant_print(v, FALSE);
}

static void test_begin_end_and_interrupted(void **state)
{
    MsdHistory *h = msd_history_open(tmpdir, &keep_all);
    assert_non_null(h);
    struct stat st;
    assert_int_equal(g_stat(msd_history_get_path(h), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    MsdHistoryStart s = start_of("one", "Ann");
    gint64 id = msd_history_begin(h, &s);
    assert_true(id > 0);
    MsdHistoryEnd e = {.ended_us = g_get_real_time(),
                       .outcome = "completed",
                       .detail = "all",
                       .steps_played = 3,
                       .peak_intensity = 40,
                       .caller_uid = -1};
    msd_history_end(h, id, &s, &e);
    MsdHistoryStart s2 = start_of("two", NULL);
    gint64 id2 = msd_history_begin(h, &s2); /* never ended: a crash */
    assert_true(id2 > id);
    msd_history_free(h);

    h = msd_history_open(tmpdir, &keep_all);
    assert_non_null(h);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r1 = msd_history_get(h, id, &error);
    assert_non_null(r1);
    g_autofree char *o1 = field(r1, "outcome");
    g_autofree char *c1 = field(r1, "client");
    g_autofree char *u1 = field(r1, "caller_uid");
    assert_string_equal(o1, "completed");
    assert_string_equal(c1, "Ann");
    assert_string_equal(u1, "1000"); /* -1 at the end kept the start's */
    g_autoptr(GVariant) r2 = msd_history_get(h, id2, &error);
    g_autofree char *o2 = field(r2, "outcome");
    assert_string_equal(o2, "interrupted");
    g_autoptr(GVariant) none = msd_history_get(h, 99, &error);
    assert_null(none);
    assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
    msd_history_free(h);
}

static void test_end_without_begin_writes_the_row(void **state)
{
    g_autoptr(MsdHistory) h = msd_history_open(tmpdir, &keep_all);
    MsdHistoryStart s = start_of("failed", NULL);
    MsdHistoryEnd e = {
        .ended_us = g_get_real_time(), .outcome = "error", .detail = "off", .caller_uid = -1};
    msd_history_end(h, 0, &s, &e);
    MsdHistoryFilter f = {.outcome = "error"};
    g_autoptr(GVariant) rows = msd_history_query(h, &f, NULL);
    assert_int_equal(g_variant_n_children(rows), 1);
}

static void test_damaged_file_moved_aside(void **state)
{
    g_autofree char *path = g_build_filename(tmpdir, MSD_HISTORY_FILE, NULL);
    char junk[4096];
    for (gsize i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 3);
    assert_true(g_file_set_contents(path, junk, sizeof junk, NULL));
    g_autoptr(MsdHistory) h = msd_history_open(tmpdir, &keep_all);
    assert_non_null(h); /* a fresh one */
    MsdHistoryStart s = start_of("one", NULL);
    assert_true(msd_history_begin(h, &s) > 0);
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    gboolean aside = FALSE;
    while ((name = g_dir_read_name(dir)))
        aside |= g_str_has_prefix(name, MSD_HISTORY_FILE ".corrupt-");
    assert_true(aside);
}

static void test_newer_schema_left_alone(void **state)
{
    g_autofree char *path = g_build_filename(tmpdir, MSD_HISTORY_FILE, NULL);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    MsdHistory *h = msd_history_open(tmpdir, &keep_all);
    assert_null(h); /* no history, and the file is not moved */
    assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_retention_rows_and_filters(void **state)
{
    MsdHistoryRetention keep = {.keep_rows = 3};
    g_autoptr(MsdHistory) h = msd_history_open(tmpdir, &keep);
    for (int i = 0; i < 5; i++) {
        MsdHistoryStart s = start_of(i % 2 ? "odd" : "even", i == 4 ? "Bo" : NULL);
        s.started_us += i * G_USEC_PER_SEC;
        MsdHistoryEnd e = {.ended_us = s.started_us + 1, .outcome = "completed", .caller_uid = -1};
        msd_history_end(h, msd_history_begin(h, &s), &s, &e);
    }
    MsdHistoryFilter all = {0};
    g_autoptr(GVariant) rows = msd_history_query(h, &all, NULL);
    assert_int_equal(g_variant_n_children(rows), 3);
    MsdHistoryFilter even = {.programme_id = "even", .limit = 1};
    g_autoptr(GVariant) last_even = msd_history_query(h, &even, NULL);
    assert_int_equal(g_variant_n_children(last_even), 1);
    g_autoptr(GVariant) row = g_variant_get_child_value(last_even, 0);
    g_autofree char *client = field(row, "client");
    assert_string_equal(client, "Bo"); /* the newest even one */
    MsdHistoryFilter future = {.since = "2999-01-01T00:00:00.000Z"};
    g_autoptr(GVariant) none = msd_history_query(h, &future, NULL);
    assert_int_equal(g_variant_n_children(none), 0);
}

static void test_parse_time(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *d = msd_history_parse_time("2026-12-05", "since", &error);
    assert_string_equal(d, "2026-12-05T00:00:00.000Z");
    g_autofree char *z = msd_history_parse_time("2026-12-05T11:30:00+01:00", "since", &error);
    assert_string_equal(z, "2026-12-05T10:30:00.000Z");
    g_autofree char *bad = msd_history_parse_time("yesterday", "filter \"since\"", &error);
    assert_null(bad);
    assert_non_null(strstr(error->message, "filter \"since\": \"yesterday\" is not a date"));
}

static void test_bluez_words(void **state)
{
    g_autofree char *w =
        msd_error_in_words("Connect: org.bluez.Error.Failed: le-connection-abort-by-local");
    assert_non_null(strstr(w, "switched off, out of reach"));
    assert_non_null(strstr(w, "le-connection-abort-by-local")); /* the token stays */
    assert_null(strstr(w, "org.bluez.Error"));                  /* D-Bus error names do not */
    g_autofree char *refused = msd_error_in_words("Connect: le-connection-refused");
    assert_non_null(strstr(refused, "refused the connection"));
    g_autofree char *plain = msd_error_in_words("something else");
    assert_string_equal(plain, "something else");
    assert_null(msd_error_bluez_words(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_begin_end_and_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_without_begin_writes_the_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_file_moved_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_rows_and_filters, setup, teardown),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_bluez_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
