/* The programme store: built-in programmes from <datadir>/programmes (read
 * only, id = file stem) and programmes imported over D-Bus, kept in
 * <statedir>/programmes/<id>.programme and written atomically. Ids are
 * stable: an imported programme's id is a slug of its Name, de-duplicated
 * with "-2", "-3"... against every id already taken. */
#pragma once

#include <glib.h>

#include "protocol/programme.h"

G_BEGIN_DECLS

typedef struct {
    char *id;
    char *path;
    char *text;
    MpProgramme *programme; /* parsed and validated */
    guint64 duration_ms;    /* sides expanded */
    gboolean builtin;
} MsdProgrammeEntry;

typedef struct _MsdProgrammeStore MsdProgrammeStore;

/* `limits` is copied. Nothing is read until msd_programme_store_load(). */
MsdProgrammeStore *msd_programme_store_new(const char *builtin_dir, const char *state_dir,
                                           const MpSafetyLimits *limits);
void msd_programme_store_free(MsdProgrammeStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdProgrammeStore, msd_programme_store_free)

/* Reads both directories. A file that fails validation is logged (with at
 * most 10 of its diagnostics) and left out; it is never deleted and its id
 * stays taken. Temporary files of imports a crash interrupted are removed. */
void msd_programme_store_load(MsdProgrammeStore *store);

/* Every entry (borrowed): built-ins first, then imported, each by id. */
GPtrArray *msd_programme_store_list(MsdProgrammeStore *store);
MsdProgrammeEntry *msd_programme_store_lookup(MsdProgrammeStore *store, const char *id,
                                              GError **error);

/* Parses and validates `text` against the store's limits; diagnostics are
 * appended. Returns the programme or NULL. */
MpProgramme *msd_programme_store_validate(MsdProgrammeStore *store, const char *text,
                                          GPtrArray *diagnostics);
/* Validates and stores; on any error nothing is written. MSD_ERROR_INVALID_PROGRAMME
 * carries the diagnostics, one per line. */
char *msd_programme_store_import(MsdProgrammeStore *store, const char *text, GError **error);

typedef enum {
    MSD_IMPORT_NEW = 0,
    /* Store under exactly the id the Name yields, replacing the imported
     * programme (loaded or not) with that id; built-ins cannot be replaced. */
    MSD_IMPORT_REPLACE = 1 << 0,
} MsdImportFlags;
/* Without MSD_IMPORT_REPLACE an import never writes over a stored file:
 * not one that failed to load (its id stays taken), not one put in the
 * directory since the start. */
char *msd_programme_store_import_full(MsdProgrammeStore *store, const char *text,
                                      MsdImportFlags flags, GError **error);
gboolean msd_programme_store_remove(MsdProgrammeStore *store, const char *id, GError **error);

/* "Hamstring release (study)" -> "hamstring-release-study". */
char *msd_programme_slug(const char *name);
/* "line 14: [Step mid] Intensity: 160% is above ..." */
char *msd_diagnostic_format(const MpDiagnostic *d);

G_END_DECLS
