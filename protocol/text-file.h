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

G_END_DECLS
