#include "protocol/text-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

gboolean mp_config_files_load(const char *path, gboolean required, const char *dropin_dir,
                              MpConfigTextFunc parse, gpointer user_data, GError **error)
{
    if (path && !load_one(path, required, parse, user_data, error))
        return FALSE;
    if (!dropin_dir)
        return TRUE;
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open(dropin_dir, 0, &local);
    if (!dir) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)))
        if (g_str_has_suffix(name, ".conf"))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *p = g_build_filename(dropin_dir, names->pdata[i], NULL);
        if (!load_one(p, TRUE, parse, user_data, error))
            return FALSE;
    }
    return TRUE;
}
