/* The line-keeping key-file reader shared by *.programme and *.device files
 * (protocol/key-file.h): the comment rule, line numbers, repeated keys and
 * groups, and every unreadable line reported with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "protocol/key-file.h"

static const MpKeyLine *at(GArray *lines, guint i)
{
    assert_true(i < lines->len);
    return &g_array_index(lines, MpKeyLine, i);
}

static void assert_entry(GArray *lines, guint i, guint line, const char *key, const char *value,
                         guint first_line)
{
    const MpKeyLine *l = at(lines, i);
    assert_int_equal(l->kind, MP_KEY_LINE_ENTRY);
    assert_int_equal(l->line, line);
    assert_string_equal(l->name, key);
    assert_string_equal(l->value, value);
    assert_int_equal(l->first_line, first_line);
}

static void assert_error(GArray *lines, guint i, guint line, MpKeyError error)
{
    const MpKeyLine *l = at(lines, i);
    assert_int_equal(l->kind, MP_KEY_LINE_ERROR);
    assert_int_equal(l->line, line);
    assert_int_equal(l->error, error);
}

static GArray *read_str(const char *text)
{
    return mp_key_file_read(text, strlen(text), 0);
}

/* '#' or ';' first on a line, or after a blank, starts a comment; glued to
 * a word it is text; \#, \; and \\ are escapes. */
static void test_comments(void **state)
{
    (void)state;
    g_autoptr(GArray) lines = read_str("# top\n"
                                       "  ; indented\n"
                                       "[G]   # after a header\n"
                                       "A = one # trailing\n"
                                       "B = one\t; after a tab\n"
                                       "C = a#b;c\n"
                                       "D = x \\# y \\; z \\\\ w\n"
                                       "E = # only a comment\n");
    assert_int_equal(lines->len, 6);
    assert_int_equal(at(lines, 0)->kind, MP_KEY_LINE_GROUP);
    assert_string_equal(at(lines, 0)->name, "G");
    assert_int_equal(at(lines, 0)->line, 3);
    assert_entry(lines, 1, 4, "A", "one", 0);
    assert_entry(lines, 2, 5, "B", "one", 0);
    assert_entry(lines, 3, 6, "C", "a#b;c", 0);
    assert_entry(lines, 4, 7, "D", "x # y ; z \\ w", 0);
    assert_entry(lines, 5, 8, "E", "", 0);
}

/* Lines count from 1 past blank lines, CRLF endings and a byte order mark. */
static void test_line_numbers(void **state)
{
    (void)state;
    g_autoptr(GArray) lines = read_str("\xEF\xBB\xBF[A]\r\n\r\n\n  Key = v  \r\n[ B ]\nK=w");
    assert_int_equal(lines->len, 4);
    assert_int_equal(at(lines, 0)->line, 1);
    assert_string_equal(at(lines, 0)->name, "A");
    assert_entry(lines, 1, 4, "Key", "v", 0);
    assert_int_equal(at(lines, 2)->line, 5);
    assert_string_equal(at(lines, 2)->name, " B "); /* as written: the caller decides */
    assert_entry(lines, 3, 6, "K", "w", 0);
}

/* A repeated key names the first under the same header; a new header starts
 * afresh; a repeated group names its first header. */
static void test_repeats(void **state)
{
    (void)state;
    g_autoptr(GArray) lines = read_str("[A]\nK=1\nL=2\nK=3\n[B]\nK=4\n[A]\nK=5\n[A\nK=6\n");
    assert_int_equal(lines->len, 10);
    assert_entry(lines, 1, 2, "K", "1", 0);
    assert_entry(lines, 3, 4, "K", "3", 2);
    assert_int_equal(at(lines, 4)->first_line, 0); /* [B] */
    assert_entry(lines, 5, 6, "K", "4", 0);
    assert_int_equal(at(lines, 6)->kind, MP_KEY_LINE_GROUP);
    assert_int_equal(at(lines, 6)->first_line, 1); /* the second [A] */
    assert_entry(lines, 7, 8, "K", "5", 0);
    assert_error(lines, 8, 9, MP_KEY_ERROR_HEADER);
    assert_string_equal(at(lines, 8)->name, "[A");
    assert_entry(lines, 9, 10, "K", "6", 0); /* a broken header starts afresh too */
}

/* Every unreadable line is an error with its line; reading goes on. */
static void test_errors(void **state)
{
    (void)state;
    static const char text[] = "[G]\n"
                               "A=\0x\n"        /* 2: NUL */
                               "B=\xC3\x28\n"   /* 3: bad UTF-8 */
                               "no equals\n"    /* 4 */
                               " = value\n"     /* 5 */
                               "[open\n"        /* 6 */
                               "C=0123456789\n" /* 7: over the bound */
                               "D=ok\n";
    g_autoptr(GArray) lines = mp_key_file_read(text, sizeof text - 1, 10);
    assert_int_equal(lines->len, 8);
    assert_int_equal(at(lines, 0)->kind, MP_KEY_LINE_GROUP);
    assert_error(lines, 1, 2, MP_KEY_ERROR_NUL);
    assert_error(lines, 2, 3, MP_KEY_ERROR_UTF8);
    assert_error(lines, 3, 4, MP_KEY_ERROR_NO_EQUALS);
    assert_string_equal(at(lines, 3)->name, "no equals");
    assert_error(lines, 4, 5, MP_KEY_ERROR_NO_KEY);
    assert_error(lines, 5, 6, MP_KEY_ERROR_HEADER);
    assert_error(lines, 6, 7, MP_KEY_ERROR_TOO_LONG);
    assert_entry(lines, 7, 8, "D", "ok", 0);
    /* Without a bound the long line is an entry. */
    g_autoptr(GArray) unbounded = mp_key_file_read(text, sizeof text - 1, 0);
    assert_entry(unbounded, 6, 7, "C", "0123456789", 0);
    /* Nothing at all, or only comments: no records. */
    g_autoptr(GArray) empty = mp_key_file_read(NULL, 0, 0);
    assert_int_equal(empty->len, 0);
    g_autoptr(GArray) comments = read_str("# a\n; b\n\n");
    assert_int_equal(comments->len, 0);
}

/* The line finder for GKeyFile-read configurations: the last of a key (as
 * GKeyFile keeps the last), the first header of a group. */
static void test_find_line(void **state)
{
    (void)state;
    const char *text = "# c\n[A]\nK=1\n[B]\nK=2\n[A]\nK=3\nL=4\n";
    assert_int_equal(mp_key_file_find_line(text, "A", "K"), 7);
    assert_int_equal(mp_key_file_find_line(text, "B", "K"), 5);
    assert_int_equal(mp_key_file_find_line(text, "A", NULL), 2);
    assert_int_equal(mp_key_file_find_line(text, "B", "L"), 0);
    assert_int_equal(mp_key_file_find_line(text, "C", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments),  cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_repeats),   cmocka_unit_test(test_errors),
        cmocka_unit_test(test_find_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
