/* Which files of a directory a loader reads: one rule for programmes and
 * device descriptions alike. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The names in `dir` that end in `suffix` (".programme", ".device") and do
 * not start with a dot (hidden files, an editor's lock such as
 * ".#x.programme"), in byte order, so every reader sees them in the same
 * order. NULL and `error` (G_FILE_ERROR, NOENT when missing) when the
 * directory cannot be opened. */
GStrv mp_dir_files(const char *dir, const char *suffix, GError **error);

G_END_DECLS
