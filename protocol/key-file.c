/* The line-keeping key-file reader (protocol/key-file.h). */
#include "protocol/key-file.h"

#include <string.h>

static void key_line_clear(gpointer p)
{
    MpKeyLine *l = p;
    g_free(l->name);
    g_free(l->value);
}

/* Removes a trailing comment (# or ; after whitespace) and the escapes
 * "\#", "\;" and "\\" that let a value contain them. */
static char *strip_comment(const char *s)
{
    GString *out = g_string_new(NULL);
    for (const char *c = s; *c; c++) {
        if (*c == '\\' && (c[1] == '#' || c[1] == ';' || c[1] == '\\')) {
            g_string_append_c(out, c[1]);
            c++;
            continue;
        }
        if ((*c == '#' || *c == ';') && c > s && (c[-1] == ' ' || c[-1] == '\t'))
            break;
        g_string_append_c(out, *c);
    }
    return g_strstrip(g_string_free(out, FALSE));
}

typedef struct {
    GArray *out;
    GHashTable *keys;   /* key -> first line, under the current header */
    GHashTable *groups; /* name -> first line */
} Reader;

static void add(Reader *r, MpKeyLineKind kind, guint line, MpKeyError error, const char *name,
                const char *value, guint first_line)
{
    MpKeyLine l = {kind, line, error, g_strdup(name), g_strdup(value), first_line};
    g_array_append_val(r->out, l);
}

static void read_line(Reader *r, guint line, const char *raw, gsize len, gsize max_line)
{
    if (max_line && len > max_line) {
        add(r, MP_KEY_LINE_ERROR, line, MP_KEY_ERROR_TOO_LONG, NULL, NULL, 0);
        return;
    }
    if (memchr(raw, '\0', len)) {
        add(r, MP_KEY_LINE_ERROR, line, MP_KEY_ERROR_NUL, NULL, NULL, 0);
        return;
    }
    if (!g_utf8_validate(raw, (gssize)len, NULL)) {
        add(r, MP_KEY_LINE_ERROR, line, MP_KEY_ERROR_UTF8, NULL, NULL, 0);
        return;
    }
    g_autofree char *copy = g_strndup(raw, len);
    char *s = g_strstrip(copy);
    if (*s == '\0' || *s == '#' || *s == ';')
        return;
    g_autofree char *text = strip_comment(s);

    if (*text == '[') {
        g_hash_table_remove_all(r->keys);
        gsize n = strlen(text);
        if (text[n - 1] != ']') {
            add(r, MP_KEY_LINE_ERROR, line, MP_KEY_ERROR_HEADER, text, NULL, 0);
            return;
        }
        g_autofree char *name = g_strndup(text + 1, n - 2);
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(r->groups, name));
        if (!first)
            g_hash_table_insert(r->groups, g_strdup(name), GUINT_TO_POINTER(line));
        add(r, MP_KEY_LINE_GROUP, line, MP_KEY_ERROR_NONE, name, NULL, first);
        return;
    }
    char *eq = strchr(text, '=');
    if (!eq) {
        add(r, MP_KEY_LINE_ERROR, line, MP_KEY_ERROR_NO_EQUALS, text, NULL, 0);
        return;
    }
    *eq = '\0';
    char *key = g_strstrip(text);
    char *value = g_strstrip(eq + 1);
    if (!*key) {
        add(r, MP_KEY_LINE_ERROR, line, MP_KEY_ERROR_NO_KEY, NULL, NULL, 0);
        return;
    }
    guint first = GPOINTER_TO_UINT(g_hash_table_lookup(r->keys, key));
    if (!first)
        g_hash_table_insert(r->keys, g_strdup(key), GUINT_TO_POINTER(line));
    add(r, MP_KEY_LINE_ENTRY, line, MP_KEY_ERROR_NONE, key, value, first);
}

GArray *mp_key_file_read(const char *text, gsize len, gsize max_line)
{
    Reader r = {
        .out = g_array_new(FALSE, TRUE, sizeof(MpKeyLine)),
        .keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    g_array_set_clear_func(r.out, key_line_clear);
    if (!text)
        len = 0;
    gsize start = 0;
    guint line = 1;
    /* A UTF-8 byte order mark is harmless; skip it. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        start = 3;
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        gsize end = nl ? (gsize)(nl - text) : len;
        gsize n = end - start;
        if (n > 0 && text[start + n - 1] == '\r')
            n--;
        read_line(&r, line, text + start, n, max_line);
        start = end + 1;
        line++;
    }
    g_hash_table_unref(r.keys);
    g_hash_table_unref(r.groups);
    return r.out;
}

guint mp_key_file_find_line(const char *text, const char *group, const char *key)
{
    g_autoptr(GArray) lines = mp_key_file_read(text, text ? strlen(text) : 0, 0);
    gboolean in_group = FALSE;
    guint found = 0;
    for (guint i = 0; i < lines->len; i++) {
        const MpKeyLine *l = &g_array_index(lines, MpKeyLine, i);
        if (l->kind == MP_KEY_LINE_GROUP || l->error == MP_KEY_ERROR_HEADER) {
            in_group = l->kind == MP_KEY_LINE_GROUP && g_str_equal(l->name, group);
            if (in_group && !key && !found)
                found = l->line;
        } else if (in_group && key && l->kind == MP_KEY_LINE_ENTRY && g_str_equal(l->name, key)) {
            found = l->line; /* the last one wins, as in GKeyFile */
        }
    }
    return found;
}
