/* Where `programme list/show/plot` find programmes by id: the daemon when it
 * answers (its view is the truth: built-in and imported programmes, under its
 * own limits), else the data directory's built-ins, so a therapist can still
 * work offline. A file path never comes here: it is read as it is. */
#pragma once

#include "cli/massagectl.h"
#include "protocol/programme.h"

G_BEGIN_DECLS

typedef struct _MctlProgrammeSource MctlProgrammeSource;

/* One programme of the list, from either place. */
typedef struct {
    char *id;
    char *name;
    char *summary; /* NULL: none */
    guint64 duration_ms;
    const char *origin; /* "built-in" or "imported" (static) */
    char *kind;         /* "percussion", "vibration", "any" */
    GStrv sides;        /* the passes, in order; empty for none */
} MctlProgrammeInfo;

void mctl_programme_info_free(MctlProgrammeInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MctlProgrammeInfo, mctl_programme_info_free)

/* Asks the daemon quietly (no error printed, never auto-started); with an
 * explicit data directory (--data-dir, MASSAGED_DATA_DIR) it is not asked:
 * the person said where the programmes are. */
MctlProgrammeSource *mctl_programme_source_new(MctlContext *ctx);
void mctl_programme_source_free(MctlProgrammeSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MctlProgrammeSource, mctl_programme_source_free)

/* TRUE when the answers come from massaged. */
gboolean mctl_programme_source_is_daemon(const MctlProgrammeSource *src);
/* Where the answers come from, in words: "massaged", or "DIR (massaged is not
 * running)", for the messages where it matters (not found, the list). */
const char *mctl_programme_source_describe(const MctlProgrammeSource *src);
/* "daemon" or "data-dir", for --json. */
const char *mctl_programme_source_kind(const MctlProgrammeSource *src);

/* Every programme (MctlProgrammeInfo*), sorted by id within each origin,
 * built-ins first. Offline, a built-in file that fails to load is left out
 * and its diagnostics appended to `diagnostics`. NULL with `error` set when
 * nothing could be read (no such directory, the daemon failed). */
GPtrArray *mctl_programme_source_list(MctlProgrammeSource *src, GPtrArray *diagnostics,
                                      GError **error);

/* Programme `id`, loaded and checked against the default safety limits
 * (the daemon's can only be stricter), named in diagnostics by its file
 * offline or "massaged:ID". `*origin`: "built-in" or "imported". NULL and
 * G_IO_ERROR_NOT_FOUND when there is no such programme; NULL, no error and
 * the diagnostics appended when it does not load. */
MpProgramme *mctl_programme_source_load(MctlProgrammeSource *src, const char *id,
                                        GPtrArray *diagnostics, const char **origin,
                                        GError **error);

G_END_DECLS
