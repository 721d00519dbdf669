/* Reading a text input file with a bound: a configuration, .device or
 * programme file that is huge, or a special file (/dev/zero, a FIFO), is
 * refused before it is read into memory. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The bounds, documented in docs/testing.md ("Input bounds"). */
#define MP_DEVICE_FILE_MAX_SIZE (256 * 1024)
#define MP_CONFIG_FILE_MAX_SIZE (256 * 1024)

/* Reads `path` if it is a regular file of at most `max` bytes. Errors are
 * G_FILE_ERROR: NOENT when missing (callers may ignore that), INVAL for a
 * special file, FAILED when too large; the message names the path. */
gboolean mp_text_file_read(const char *path, gsize max, char **text, gsize *len, GError **error);

/* Parses one configuration text; `source` names it in errors. */
typedef gboolean (*MpConfigTextFunc)(const char *text, gsize len, const char *source,
                                     gpointer user_data, GError **error);

/* A configuration and its drop-ins, systemd's way: `path` first (skipped
 * when missing unless `required`; NULL for none), then every *.conf in
 * `dropin_dir` (NULL for none; missing is fine) in byte order of the names,
 * each read with the MP_CONFIG_FILE_MAX_SIZE bound and handed to `parse`.
 * Stops at the first error: reading errors are G_FILE_ERROR naming the
 * file, parse errors are parse's own. Shared by massaged and massaged-mqtt
 * so both read their files by one rule. */
gboolean mp_config_files_load(const char *path, gboolean required, const char *dropin_dir,
                              MpConfigTextFunc parse, gpointer user_data, GError **error);

G_END_DECLS
