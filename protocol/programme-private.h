/* Shared by the programme parser, validator and loader; not installed API. */
#pragma once

#include "protocol/programme.h"
#include "protocol/suggest.h"

G_BEGIN_DECLS

/* A new, empty programme (refcount 1) for the parser to fill. */
MpProgramme *mp_programme_new(const char *source);
MpStep *mp_step_new(const char *id, guint line);
void mp_step_free(MpStep *step);

/* Appends one diagnostic. `group` and `key` may be NULL. */
void mp_diag_add(GPtrArray *diagnostics, MpSeverity severity, const char *source, guint line,
                 const char *group, const char *key, const char *format, ...) G_GNUC_PRINTF(7, 8);

/* Parser that always returns the programme it could build: steps with an
 * error in them are left out, `*had_errors` says whether anything failed.
 * mp_programme_load uses it to run the per-step safety checks even when
 * the file has syntax errors, so a therapist sees every problem at once. */
MpProgramme *mp_programme_parse_partial(const char *text, gsize len, const char *source,
                                        GPtrArray *diagnostics, gboolean *had_errors);
/* The per-step checks only (no timeline-wide rules). */
gboolean mp_programme_validate_steps(const MpProgramme *p, const MpSafetyLimits *limits,
                                     GPtrArray *diagnostics);

G_END_DECLS
