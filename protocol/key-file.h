/* The line-keeping key-file reader shared by *.programme and *.device files
 * (GKeyFile forgets line numbers, and every diagnostic in those formats names
 * its line). It only splits the text into groups, keys and values, each with
 * its line, and reports every unreadable line; what the groups and keys mean
 * is the caller's business, and so is the wording of each error.
 *
 * The syntax, one for both formats (docs/programmes.md, docs/device-files.md):
 * - "[Name]" opens a group; "Key=value" (spaces around '=' and at either end
 *   ignored) is an entry;
 * - a line whose first non-blank character is '#' or ';' is a comment, and so
 *   is the rest of a line from a '#' or ';' that follows a space or a tab;
 *   "\#", "\;" and "\\" put '#', ';' and '\' in a value;
 * - blank lines are ignored, CRLF endings and a UTF-8 byte order mark are
 *   accepted;
 * - a NUL byte, invalid UTF-8 or (when a bound is given) an overlong line
 *   makes that line an error. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    MP_KEY_LINE_GROUP, /* name: the text between the brackets, as written */
    MP_KEY_LINE_ENTRY, /* name: the key; value: the value */
    MP_KEY_LINE_ERROR, /* error says what; name: the line, for HEADER and NO_EQUALS */
} MpKeyLineKind;

typedef enum {
    MP_KEY_ERROR_NONE,
    MP_KEY_ERROR_TOO_LONG,  /* longer than the bound given to the reader */
    MP_KEY_ERROR_NUL,       /* holds a NUL byte */
    MP_KEY_ERROR_UTF8,      /* not valid UTF-8 */
    MP_KEY_ERROR_HEADER,    /* starts with '[' but does not end with ']' */
    MP_KEY_ERROR_NO_EQUALS, /* neither a group, an entry nor a comment */
    MP_KEY_ERROR_NO_KEY,    /* "=value" */
} MpKeyError;

typedef struct {
    MpKeyLineKind kind;
    guint line; /* 1-based */
    MpKeyError error;
    char *name;
    char *value;
    /* ENTRY: the line of the same key earlier under the same group header;
     * GROUP: the line of an earlier header with the same name; 0: none. A
     * HEADER error starts a new (nameless) group for this purpose. */
    guint first_line;
} MpKeyLine;

/* Reads `len` bytes of `text` (NUL bytes included) into MpKeyLine records in
 * file order; comments and blank lines leave none. `max_line` bounds a line
 * in bytes (0: no bound). The array frees its records. Never fails. */
GArray *mp_key_file_read(const char *text, gsize len, gsize max_line);

/* The line of `key` in [`group`] (the last one, as GKeyFile keeps the last),
 * or of the first [`group`] header when `key` is NULL; 0 when absent. For
 * files read with GKeyFile whose errors should still name a line. */
guint mp_key_file_find_line(const char *text, const char *group, const char *key);

G_END_DECLS
