#include "protocol/text-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
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
