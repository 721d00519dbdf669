/* Reading a text input file with a bound: a configuration, .device or
 * programme file that is huge, or a special file (/dev/zero, a FIFO), is
 * refused before it is read into memory. */
#pragma once

#include <glib.h>
#include <stdarg.h>

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
 * Stops at the first error: a reading error becomes `domain`/`code` with
 * its message (which names the file), parse errors are parse's own. Shared
 * by massaged and massaged-mqtt so both read their files by one rule. */
gboolean mp_config_files_load(const char *path, gboolean required, const char *dropin_dir,
                              MpConfigTextFunc parse, gpointer user_data, GQuark domain, gint code,
                              GError **error);

/* "file:12: [Group] Key: message", leaving out what is not known (line 0,
 * group or key NULL): the one shape of a located error in configuration,
 * .device and programme files. */
void mp_located_error_valist(GError **error, GQuark domain, gint code, const char *origin,
                             guint line, const char *group, const char *key, const char *format,
                             va_list ap) G_GNUC_PRINTF(8, 0);

/* One configuration text read with GKeyFile, and how its errors are made. */
typedef struct {
    GKeyFile *kf;
    const char *text;   /* for the line numbers GKeyFile forgets */
    const char *origin; /* the file's name in errors */
    GQuark domain;      /* the error every problem gets */
    gint code;
} MpConfigSource;

/* Sets a located error in s->domain naming the line of `key` in [`group`]
 * (of the group when `key` is NULL) when the text has it. Returns FALSE. */
gboolean mp_config_error(const MpConfigSource *s, GError **error, const char *group,
                         const char *key, const char *format, ...) G_GNUC_PRINTF(5, 6);
/* The value of `key` in [`group`] with the blanks at either end removed, or
 * NULL when absent. */
char *mp_config_get(const MpConfigSource *s, const char *group, const char *key);
/* Every group is in `groups` and every key of each in `keys[i]`, or an error
 * "unknown group (known: ...)" / "unknown key (known: ...)". */
gboolean mp_config_check_names(const MpConfigSource *s, const char *const *groups,
                               const char *const *const *keys, GError **error);
/* A duration (protocol/timespan.h; a bare number is seconds) of at most
 * `max_ms`: *out_ms is set when the key is present, *present says whether it
 * is (may be NULL). Errors name the file, line, group, key and value. */
gboolean mp_config_get_duration(const MpConfigSource *s, const char *group, const char *key,
                                guint64 max_ms, guint64 *out_ms, gboolean *present, GError **error);

G_END_DECLS
