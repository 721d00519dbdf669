/* The in-motion record (daemon/motion-record.c): a round trip through the
 * file, no I/O when nothing changes, damaged and oversized files, temporary
 * files left by a crash, and directories it cannot write. Every test works
 * in its own temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/motion-record.h"
#include "daemon/msd-error.h"
#include "tmp-dir.h"

#define assert_error(err, domain, code)                                                            \
    do {                                                                                           \
        assert_non_null(err);                                                                      \
        if (!g_error_matches((err), (domain), (code)))                                             \
            fail_msg("unexpected error: %s", (err)->message);                                      \
    } while (0)

#define A "AA:BB:CC:DD:EE:01"
#define B "AA:BB:CC:DD:EE:02"
#define C "AA:BB:CC:DD:EE:03"

/* Every warning, so the tests can see them name file and line. */
static GString *logged;

static GLogWriterOutput capture(GLogLevelFlags level, const GLogField *fields, gsize n,
                                gpointer user_data)
{
    if (!(level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)))
        return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n; i++) {
        if (g_str_equal(fields[i].key, "MESSAGE")) {
            g_string_append(logged, fields[i].value);
            g_string_append_c(logged, '\n');
        }
    }
    return G_LOG_WRITER_HANDLED;
}

typedef struct {
    char *tmp;  /* removed at teardown */
    char *dir;  /* tmp/state: does not exist until the record is opened */
    char *file; /* dir/in-motion */
    char *corrupt;
} Fixture;

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    f->tmp = g_dir_make_tmp("test-motion-record.XXXXXX", NULL);
    assert_non_null(f->tmp);
    f->dir = g_build_filename(f->tmp, "state", NULL);
    f->file = g_build_filename(f->dir, "in-motion", NULL);
    f->corrupt = g_build_filename(f->dir, "in-motion.corrupt", NULL);
    g_string_truncate(logged, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    rm_rf(f->tmp);
    g_free(f->tmp);
    g_free(f->dir);
    g_free(f->file);
    g_free(f->corrupt);
    g_free(f);
    return 0;
}

static void write_file(const char *path, const char *data, gssize len)
{
    g_autofree char *dir = g_path_get_dirname(path);
    assert_int_equal(g_mkdir_with_parents(dir, 0750), 0);
    assert_true(g_file_set_contents(path, data, len, NULL));
}

static char *read_file(const char *path, gsize *len)
{
    char *text = NULL;
    if (!g_file_get_contents(path, &text, len, NULL))
        return NULL;
    return text;
}

static ino_t inode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/* The durability steps as the record takes them. fsync() and rename() are
 * defined here, so they come before libc's in this executable (the record's
 * code is linked in statically): while `steps` is set they log what they do,
 * and they always pass the call on to the kernel. */
static GString *steps;

/* A path as the steps name it: "tmp" for the record's temporary files,
 * "dir" for the state directory, else the file name. */
static char *step_name(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    if (g_str_has_prefix(base, ".in-motion.tmp."))
        return g_strdup("tmp");
    if (g_str_equal(base, "state"))
        return g_strdup("dir");
    return g_steal_pointer(&base);
}

int fsync(int fd)
{
    if (steps) {
        char link[64], path[PATH_MAX];
        g_snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
        g_autofree char *name = step_name(path);
        g_string_append_printf(steps, "fsync %s\n", name);
    }
    return (int)syscall(SYS_fsync, fd);
}

int rename(const char *from, const char *to)
{
    if (steps) {
        g_autofree char *a = step_name(from);
        g_autofree char *b = step_name(to);
        /* "over" when it replaces a file: the old record is still whole
         * until the new one takes its name. */
        g_string_append_printf(steps, "rename %s %s%s\n", a, b,
                               g_file_test(to, G_FILE_TEST_EXISTS) ? " over" : "");
    }
    return renameat(AT_FDCWD, from, AT_FDCWD, to);
}

static const MsdMotionEntry *entry_at(GPtrArray *list, guint i)
{
    assert_true(i < list->len);
    return list->pdata[i];
}

static void test_round_trip(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    gint64 before = g_get_real_time();
    {
        g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
        assert_non_null(r);
        struct stat st;
        assert_int_equal(stat(f->dir, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0750);
        assert_false(g_file_test(f->file, G_FILE_TEST_EXISTS)); /* nothing to record yet */
        assert_string_equal(msd_motion_record_get_path(r), f->file);

        assert_true(msd_motion_record_add(r, A, "theragun", &error));
        assert_true(msd_motion_record_add(r, "aa:bb:cc:dd:ee:02", "lovense", &error));
        assert_true(msd_motion_record_add(r, C, NULL, &error));
        assert_true(msd_motion_record_contains(r, A));
        assert_true(msd_motion_record_contains(r, "aa:bb:cc:dd:ee:01"));
        assert_true(msd_motion_record_remove(r, A, &error));
        assert_false(msd_motion_record_contains(r, A));
    }
    gint64 after = g_get_real_time();

    /* The file is for people too: one line per device, UTC with a Z. */
    g_autofree char *text = read_file(f->file, NULL);
    assert_non_null(text);
    assert_null(strstr(text, A));
    assert_true(g_regex_match_simple("^" B " 20[0-9-]+T[0-9:]+\\.[0-9]{6}Z lovense$", text,
                                     G_REGEX_MULTILINE, 0));
    assert_true(g_regex_match_simple("^" C " \\S+Z -$", text, G_REGEX_MULTILINE, 0));

    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_non_null(r);
    g_autoptr(GPtrArray) list = msd_motion_record_list(r);
    assert_int_equal(list->len, 2);
    assert_string_equal(entry_at(list, 0)->address, B); /* upper case, in recorded order */
    assert_string_equal(entry_at(list, 0)->driver, "lovense");
    assert_string_equal(entry_at(list, 1)->address, C);
    assert_null(entry_at(list, 1)->driver);
    for (guint i = 0; i < list->len; i++) {
        assert_true(entry_at(list, i)->since >= before);
        assert_true(entry_at(list, i)->since <= after);
    }
    assert_true(entry_at(list, 0)->since <= entry_at(list, 1)->since);
    assert_false(msd_motion_record_contains(r, A));
    assert_string_equal(logged->str, ""); /* a clean file: no warnings */

    /* The list is a copy: changing the record does not touch it. */
    assert_true(msd_motion_record_remove(r, B, &error));
    assert_string_equal(entry_at(list, 0)->address, B);
    assert_true(msd_motion_record_remove(r, C, &error));
    g_autoptr(GPtrArray) empty = msd_motion_record_list(r);
    assert_int_equal(empty->len, 0);
}

static void test_no_write_when_nothing_changes(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_true(msd_motion_record_add(r, A, "theragun", &error));
    g_autoptr(GPtrArray) first = msd_motion_record_list(r);
    ino_t ino = inode_of(f->file); /* every write renames a new file in */

    assert_true(msd_motion_record_add(r, A, "theragun", &error));
    assert_true(msd_motion_record_add(r, "aa:bb:cc:dd:ee:01", NULL, &error));
    assert_true(msd_motion_record_remove(r, B, &error));
    assert_int_equal(inode_of(f->file), ino);
    g_autoptr(GPtrArray) again = msd_motion_record_list(r);
    assert_int_equal(again->len, 1);
    assert_true(entry_at(again, 0)->since == entry_at(first, 0)->since); /* not re-stamped */

    /* Proof that no I/O is even tried: with the directory gone, the no-ops
     * still succeed and a real change fails. */
    rm_rf(f->dir);
    assert_true(msd_motion_record_add(r, A, "theragun", &error));
    assert_true(msd_motion_record_remove(r, C, &error));
    assert_false(msd_motion_record_add(r, B, "x", &error));
    assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
}

static void test_driver_updated(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_true(msd_motion_record_add(r, A, NULL, &error));
    g_autoptr(GPtrArray) before = msd_motion_record_list(r);
    assert_true(msd_motion_record_add(r, A, "theragun", &error));
    g_autoptr(MsdMotionRecord) again = msd_motion_record_open(f->dir, &error);
    g_autoptr(GPtrArray) list = msd_motion_record_list(again);
    assert_int_equal(list->len, 1);
    assert_string_equal(entry_at(list, 0)->driver, "theragun");
    assert_true(entry_at(list, 0)->since == entry_at(before, 0)->since);
}

static void test_bad_arguments(void **state)
{
    Fixture *f = *state;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, NULL);
    static const char *bad_addresses[] = {
        "",
        "AA:BB:CC:DD:EE",
        "AA:BB:CC:DD:EE:0G",
        "AA-BB-CC-DD-EE-01",
        "AA:BB:CC:DD:EE:011",
        " AA:BB:CC:DD:EE:01",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad_addresses); i++) {
        g_autoptr(GError) error = NULL;
        assert_false(msd_motion_record_add(r, bad_addresses[i], "x", &error));
        assert_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS);
        g_clear_error(&error);
        assert_false(msd_motion_record_remove(r, bad_addresses[i], &error));
        assert_false(msd_motion_record_contains(r, bad_addresses[i]));
    }
    static const char *bad_drivers[] = {"", "-", "two\nlines", " lead", "trail ", "\x01"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad_drivers); i++) {
        g_autoptr(GError) error = NULL;
        assert_false(msd_motion_record_add(r, A, bad_drivers[i], &error));
        assert_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS);
    }
    assert_false(g_file_test(f->file, G_FILE_TEST_EXISTS));
    /* A space inside a name is fine: the driver is the rest of the line. */
    assert_true(msd_motion_record_add(r, A, "Smart Mini Vibe", NULL));
    g_autoptr(MsdMotionRecord) again = msd_motion_record_open(f->dir, NULL);
    g_autoptr(GPtrArray) list = msd_motion_record_list(again);
    assert_string_equal(entry_at(list, 0)->driver, "Smart Mini Vibe");
}

/* Damage of every kind: what names a valid address is kept, each bad line
 * is logged with file:line, and the file is kept aside when rewritten. */
static void test_damaged_file(void **state)
{
    Fixture *f = *state;
    static const char damaged[] =
        "# a comment\n"                                            /* 1 */
        "AA:BB:CC:DD:EE:01 2026-11-23T10:15:02.000001Z theragun\n" /* 2 ok */
        "\x8f\xff garbage \x01\n"                                  /* 3 */
        "AA:BB:CC:DD:EE:0X 2026-11-23T10:15:02.000001Z theragun\n" /* 4 bad address */
        "aa:bb:cc:dd:ee:02 yesterday lovense\n"                    /* 5 bad time */
        "AA:BB:CC:DD:EE:03\n"                                      /* 6 no time, no driver */
        "AA:BB:CC:DD:EE:01 2026-11-23T10:15:03.000000Z other\n"    /* 7 twice */
        "\n"                                                       /* 8 */
        "AA:BB:CC:DD:EE:04 - bad\x02name\n"                        /* 9 bad driver */
        "AA:BB:CC:DD:EE:05 - ok\0junk\n"                           /* 10 a NUL */
        "AA:BB:CC:DD:EE:06 2026-11-23T10:15:04.5Z cut-short";      /* 11 no newline */
    write_file(f->file, damaged, sizeof damaged - 1);

    g_autoptr(GError) error = NULL;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_non_null(r);
    g_autoptr(GPtrArray) list = msd_motion_record_list(r);
    const char *want[][2] = {
        {"AA:BB:CC:DD:EE:01", "theragun"}, {"AA:BB:CC:DD:EE:02", "lovense"},
        {"AA:BB:CC:DD:EE:03", NULL},       {"AA:BB:CC:DD:EE:04", NULL},
        {"AA:BB:CC:DD:EE:05", "ok"},       {"AA:BB:CC:DD:EE:06", "cut-short"},
    };
    assert_int_equal(list->len, G_N_ELEMENTS(want));
    for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
        assert_string_equal(entry_at(list, i)->address, want[i][0]);
        if (want[i][1])
            assert_string_equal(entry_at(list, i)->driver, want[i][1]);
        else
            assert_null(entry_at(list, i)->driver);
    }
    assert_true(entry_at(list, 0)->since == 1795428902000001);
    assert_true(entry_at(list, 1)->since == 0);
    assert_true(entry_at(list, 5)->since == 1795428904500000);
    static const guint bad_lines[] = {3, 4, 5, 6, 7, 9, 10};
    for (gsize i = 0; i < G_N_ELEMENTS(bad_lines); i++) {
        g_autofree char *where = g_strdup_printf("%s:%u: ", f->file, bad_lines[i]);
        if (!strstr(logged->str, where))
            fail_msg("no warning for %s in:\n%s", where, logged->str);
    }
    assert_null(strstr(logged->str, ":2: "));
    assert_null(strstr(logged->str, ":11: "));

    /* Opening alone writes nothing; the first change keeps the old file aside. */
    assert_false(g_file_test(f->corrupt, G_FILE_TEST_EXISTS));
    assert_true(msd_motion_record_remove(r, "AA:BB:CC:DD:EE:03", &error));
    gsize len = 0;
    g_autofree char *aside = read_file(f->corrupt, &len);
    assert_non_null(aside);
    assert_int_equal(len, sizeof damaged - 1);
    assert_memory_equal(aside, damaged, len);

    g_string_truncate(logged, 0);
    g_autoptr(MsdMotionRecord) again = msd_motion_record_open(f->dir, &error);
    g_autoptr(GPtrArray) list2 = msd_motion_record_list(again);
    assert_int_equal(list2->len, G_N_ELEMENTS(want) - 1);
    assert_string_equal(logged->str, ""); /* the rewritten file is clean */
    /* ...and a clean record is never set aside again. */
    g_unlink(f->corrupt);
    assert_true(msd_motion_record_add(again, C, "x", &error));
    assert_false(g_file_test(f->corrupt, G_FILE_TEST_EXISTS));
}

/* Over MSD_MOTION_RECORD_MAX_BYTES: what fits is kept, the rest is not
 * read, and the whole file is kept aside at the next write. */
static void test_oversized_file(void **state)
{
    Fixture *f = *state;
    g_autoptr(GString) big = g_string_new(NULL);
    guint lines = 0;
    while (big->len <= MSD_MOTION_RECORD_MAX_BYTES + 1000) {
        g_string_append_printf(big, "AA:BB:CC:DD:%02X:%02X - theragun\n", lines / 256, lines % 256);
        lines++;
    }
    gsize line_len = strlen("AA:BB:CC:DD:00:00 - theragun\n");
    write_file(f->file, big->str, (gssize)big->len);

    g_autoptr(GError) error = NULL;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_non_null(r);
    g_autoptr(GPtrArray) list = msd_motion_record_list(r);
    guint whole = MSD_MOTION_RECORD_MAX_BYTES / line_len;
    /* Every whole line in the first 64 KiB; a cut last line counts if its address is whole. */
    assert_true(list->len == whole || list->len == whole + 1);
    assert_true(list->len < lines);
    assert_non_null(strstr(logged->str, "larger than"));
    assert_non_null(strstr(logged->str, f->file));

    assert_true(msd_motion_record_remove(r, entry_at(list, 0)->address, &error));
    gsize len = 0;
    g_autofree char *aside = read_file(f->corrupt, &len);
    assert_int_equal(len, big->len); /* all of it, past the limit too */
}

static void test_temporaries_removed(void **state)
{
    Fixture *f = *state;
    g_autofree char *stale = g_build_filename(f->dir, ".in-motion.tmp.Ab12Cd", NULL);
    g_autofree char *other = g_build_filename(f->dir, "in-motion.corrupt", NULL);
    g_autofree char *programmes = g_build_filename(f->dir, "programmes", NULL);
    write_file(stale, "AA:BB:CC:DD:EE:01 - half", -1);
    write_file(other, "kept", -1);
    assert_int_equal(g_mkdir(programmes, 0750), 0);
    write_file(f->file, A " - theragun\n", -1);

    g_autoptr(GError) error = NULL;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_non_null(r);
    assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(other, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(programmes, G_FILE_TEST_IS_DIR));
    assert_true(msd_motion_record_contains(r, A));

    /* A successful write leaves no temporary behind either. */
    assert_true(msd_motion_record_add(r, B, "x", &error));
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)))
        assert_false(g_str_has_prefix(name, ".in-motion.tmp."));
}

/* A crash at any moment leaves the old record or the new one, and the new
 * one survives a power cut once the call returns: its data is synced before
 * it takes the name, the old file keeps the name until then, and the
 * directory is synced after the rename. */
static void test_durable_steps(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_non_null(r);

    steps = g_string_new(NULL);
    assert_true(msd_motion_record_add(r, A, "theragun", &error));
    assert_string_equal(steps->str, "fsync tmp\nrename tmp in-motion\nfsync dir\n");
    g_string_truncate(steps, 0);
    assert_true(msd_motion_record_add(r, B, "lovense", &error));
    assert_string_equal(steps->str, "fsync tmp\nrename tmp in-motion over\nfsync dir\n");
    g_string_truncate(steps, 0);
    assert_true(msd_motion_record_remove(r, A, &error));
    assert_string_equal(steps->str, "fsync tmp\nrename tmp in-motion over\nfsync dir\n");
    g_string_free(steps, TRUE);
    steps = NULL;

    g_autofree char *text = read_file(f->file, NULL);
    assert_non_null(text);
    assert_null(strstr(text, A));
    assert_non_null(strstr(text, B));
}

/* Cannot create, cannot write, cannot read: errors, never a crash, and the
 * record in memory stays what is on disk. */
static void test_unwritable(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;

    /* A directory below a regular file cannot be created (root or not). */
    g_autofree char *file = g_build_filename(f->tmp, "a-file", NULL);
    write_file(file, "x", -1);
    g_autofree char *below = g_build_filename(file, "state", NULL);
    assert_null(msd_motion_record_open(below, &error));
    assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
    assert_non_null(strstr(error->message, below));
    g_clear_error(&error);

    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_true(msd_motion_record_add(r, A, "theragun", &error));
    /* The directory replaced by a regular file: writes fail. */
    g_autofree char *moved = g_build_filename(f->tmp, "moved", NULL);
    assert_int_equal(g_rename(f->dir, moved), 0);
    write_file(file, "x", -1);
    assert_int_equal(g_rename(file, f->dir), 0);

    assert_false(msd_motion_record_add(r, B, "x", &error));
    assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
    g_clear_error(&error);
    assert_false(msd_motion_record_contains(r, B)); /* not recorded when not durable */
    assert_false(msd_motion_record_remove(r, A, &error));
    assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
    g_clear_error(&error);
    assert_true(msd_motion_record_contains(r, A)); /* still recorded: a later remove retries */
    g_autoptr(GPtrArray) list = msd_motion_record_list(r);
    assert_int_equal(list->len, 1);

    /* Back in place: the same calls now work. */
    assert_int_equal(g_unlink(f->dir), 0);
    assert_int_equal(g_rename(moved, f->dir), 0);
    assert_true(msd_motion_record_remove(r, A, &error));
    assert_true(msd_motion_record_add(r, B, "x", &error));

    if (geteuid() != 0) { /* permissions do not stop root */
        assert_int_equal(g_chmod(f->dir, 0500), 0);
        assert_false(msd_motion_record_add(r, C, "x", &error));
        assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
        g_clear_error(&error);
        g_chmod(f->dir, 0750);
    }
}

static void test_unreadable(void **state)
{
    Fixture *f = *state;
    g_autoptr(GError) error = NULL;
    /* A directory where the file should be. */
    assert_int_equal(g_mkdir_with_parents(f->file, 0750), 0);
    assert_null(msd_motion_record_open(f->dir, &error));
    assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
    assert_non_null(strstr(error->message, f->file));
    g_clear_error(&error);
    assert_int_equal(g_rmdir(f->file), 0);
    /* A FIFO: refused at once, not waited on. */
    assert_int_equal(mkfifo(f->file, 0600), 0);
    assert_null(msd_motion_record_open(f->dir, &error));
    assert_error(error, MSD_ERROR, MSD_ERROR_FAILED);
    g_clear_error(&error);
    /* An empty file is an empty record. */
    assert_int_equal(g_unlink(f->file), 0);
    write_file(f->file, "", 0);
    g_autoptr(MsdMotionRecord) r = msd_motion_record_open(f->dir, &error);
    assert_non_null(r);
    g_autoptr(GPtrArray) list = msd_motion_record_list(r);
    assert_int_equal(list->len, 0);
}

int main(void)
{
    logged = g_string_new(NULL);
    g_log_set_writer_func(capture, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_write_when_nothing_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_updated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temporaries_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    g_string_free(logged, TRUE);
    return failed;
}
