#include "protocol/text-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol/dir-files.h"
#include "protocol/key-file.h"
#include "protocol/timespan.h"

gboolean mp_text_file_read(const char *path, gsize max, char **text, gsize *len, GError **error)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    int fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
        return FALSE;
    }
    struct stat st;
    gboolean ok = fstat(fd, &st) == 0;
    close(fd);
    if (!ok || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", path);
        return FALSE;
    }
    if ((guint64)st.st_size > max) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s: larger than %" G_GSIZE_FORMAT " bytes", path, max);
        return FALSE;
    }
    if (!g_file_get_contents(path, text, len, error))
        return FALSE;
    if (*len > max) { /* it grew since the fstat */
        g_clear_pointer(text, g_free);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s: larger than %" G_GSIZE_FORMAT " bytes", path, max);
        return FALSE;
    }
    return TRUE;
}

static gboolean load_one(const char *path, gboolean required, MpConfigTextFunc parse,
                         gpointer user_data, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;
    if (!mp_text_file_read(path, MP_CONFIG_FILE_MAX_SIZE, &text, &len, &local)) {
        if (!required && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    return parse(text, len, path, user_data, error);
}

static gboolean load_files(const char *path, gboolean required, const char *dropin_dir,
                           MpConfigTextFunc parse, gpointer user_data, GError **error)
{
    if (path && !load_one(path, required, parse, user_data, error))
        return FALSE;
    if (!dropin_dir)
        return TRUE;
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) names = mp_dir_files(dropin_dir, ".conf", &local);
    if (!names) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    for (guint i = 0; names[i]; i++) {
        g_autofree char *p = g_build_filename(dropin_dir, names[i], NULL);
        if (!load_one(p, TRUE, parse, user_data, error))
            return FALSE;
    }
    return TRUE;
}

gboolean mp_config_files_load(const char *path, gboolean required, const char *dropin_dir,
                              MpConfigTextFunc parse, gpointer user_data, GQuark domain, gint code,
                              GError **error)
{
    g_autoptr(GError) local = NULL;
    if (load_files(path, required, dropin_dir, parse, user_data, &local))
        return TRUE;
    if (local->domain == G_FILE_ERROR) /* reading; the message names the file */
        g_set_error_literal(error, domain, code, local->message);
    else
        g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
}

void mp_located_error_valist(GError **error, GQuark domain, gint code, const char *origin,
                             guint line, const char *group, const char *key, const char *format,
                             va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    g_autoptr(GString) s = g_string_new(origin);
    if (line)
        g_string_append_printf(s, ":%u", line);
    g_string_append(s, ":");
    if (group)
        g_string_append_printf(s, " [%s]", group);
    if (key)
        g_string_append_printf(s, " %s", key);
    if (group || key)
        g_string_append(s, ":");
    g_set_error(error, domain, code, "%s %s", s->str, msg);
}

gboolean mp_config_error(const MpConfigSource *s, GError **error, const char *group,
                         const char *key, const char *format, ...)
{
    guint line = s->text ? mp_key_file_find_line(s->text, group, key) : 0;
    va_list ap;
    va_start(ap, format);
    mp_located_error_valist(error, s->domain, s->code, s->origin, line, group, key, format, ap);
    va_end(ap);
    return FALSE;
}

char *mp_config_get(const MpConfigSource *s, const char *group, const char *key)
{
    char *v = g_key_file_get_value(s->kf, group, key, NULL);
    return v ? g_strstrip(v) : NULL;
}

gboolean mp_config_check_names(const MpConfigSource *s, const char *const *groups,
                               const char *const *const *keys, GError **error)
{
    g_auto(GStrv) present = g_key_file_get_groups(s->kf, NULL);
    for (guint i = 0; present[i]; i++) {
        if (!g_strv_contains(groups, present[i])) {
            g_autofree char *list = g_strjoinv(", ", (char **)groups);
            return mp_config_error(s, error, present[i], NULL, "unknown group (known: %s)", list);
        }
    }
    for (guint g = 0; groups[g]; g++) {
        g_auto(GStrv) names = g_key_file_get_keys(s->kf, groups[g], NULL, NULL);
        for (guint i = 0; names && names[i]; i++) {
            if (!g_strv_contains(keys[g], names[i])) {
                g_autofree char *list = g_strjoinv(", ", (char **)keys[g]);
                return mp_config_error(s, error, groups[g], names[i], "unknown key (known: %s)",
                                       list);
            }
        }
    }
    return TRUE;
}

gboolean mp_config_get_duration(const MpConfigSource *s, const char *group, const char *key,
                                guint64 max_ms, guint64 *out_ms, gboolean *present, GError **error)
{
    g_autofree char *v = mp_config_get(s, group, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return TRUE;
    g_autoptr(GError) local = NULL;
    guint64 ms = 0;
    /* The parser's words quote the value and give an example: "\"fast\" is
     * not a duration; write e.g. 30 (seconds), 90s, 1m30s, 2min or 500ms". */
    if (!mp_timespan_parse_full(v, MP_TIMESPAN_BARE_SECONDS, max_ms, &ms, &local))
        return mp_config_error(s, error, group, key, "%s", local->message);
    *out_ms = ms;
    return TRUE;
}
