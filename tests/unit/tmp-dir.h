/* Removing a unit test's temporary directory (g_dir_make_tmp) and all that
 * a test left in it, read-only directories included. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* path: a directory (emptied, depth first, then removed) or a file. */
G_GNUC_UNUSED static void rm_rf(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *p = g_build_filename(path, name, NULL);
            rm_rf(p);
        }
        g_dir_close(d);
        g_chmod(path, 0700);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}
