/* Client profiles: what a therapist keeps per client (a label, limits that
 * may only tighten the daemon's, notes and cautions), in a text format like
 * the programme format (docs/clients.md):
 *
 *   [Client]
 *   Label=mrs-jones
 *   Notes=Prefers a slow start.
 *   Cautions=Recent strain, left hamstring.\nKeep off the varicose vein.
 *   MaxIntensity=40%
 *   MaxSessionTime=10min
 *   ExcludeSides=left
 *   ExcludeMuscles=calves
 *   ExcludeZones=proximal
 *
 * Pure C over GLib: parsing, validation against the daemon's limits,
 * serialising, and applying a profile to a freshly parsed programme. Problems
 * are MpDiagnostics (protocol/programme.h), every one collected, each with
 * its line. */
#pragma once

#include <glib.h>

#include "protocol/programme.h"

G_BEGIN_DECLS

#define MP_CLIENT_MAX_SIZE  (64 * 1024) /* bytes of a profile's text */
#define MP_CLIENT_MAX_LINE  4096        /* bytes of one line */
#define MP_CLIENT_MAX_LABEL 64          /* bytes of a label */
#define MP_CLIENT_MAX_TEXT  2000        /* bytes of Notes or Cautions (unescaped) */

typedef struct {
    char *label;
    char *notes;            /* NULL if none; may hold newlines */
    char *cautions;         /* shown before every start with this profile; NULL if none */
    double max_intensity;   /* percent; < 0: the daemon's */
    guint64 max_session_ms; /* 0: the daemon's */
    gboolean exclude_side[MP_SIDE_RIGHT + 1];          /* by MpSide */
    gboolean exclude_muscle[MP_MUSCLE_LOWER_BACK + 1]; /* by MpMuscle */
    gboolean exclude_zone[MP_ZONE_FULL_LENGTH + 1];    /* by MpZone */
    /* Lines, for diagnostics (0: not in the file). */
    guint label_line;
    guint max_intensity_line;
    guint max_session_line;
} MpClientProfile;

void mp_client_profile_free(MpClientProfile *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpClientProfile, mp_client_profile_free)

/* A label: 1..MP_CLIENT_MAX_LABEL bytes of [A-Za-z0-9._-], starting with a
 * letter or digit (it names a file in the daemon's state directory and is
 * typed on command lines). MP_ERROR_INVALID says what is wrong. */
gboolean mp_client_label_check(const char *label, GError **error);

/* Parses `text` (need not be NUL-terminated). Every problem is appended to
 * `diagnostics`; returns NULL if any is an error. */
MpClientProfile *mp_client_profile_parse(const char *text, gsize len, const char *source,
                                         GPtrArray *diagnostics);
/* A profile may only tighten the daemon's limits: a MaxIntensity above
 * limits->max_intensity or a MaxSessionTime above limits->max_session_ms is
 * an error naming both values. TRUE if none. */
gboolean mp_client_profile_check_limits(const MpClientProfile *p, const MpSafetyLimits *limits,
                                        const char *source, GPtrArray *diagnostics);
/* The canonical text; parses back to an equal profile. */
char *mp_client_profile_to_text(const MpClientProfile *p);

/* TRUE if the profile leaves out a step played on `side` (hamstrings covers
 * its three heads). Rest steps are never left out. */
gboolean mp_client_profile_excludes(const MpClientProfile *p, const MpStep *step, MpSide side);
/* Applies the side, muscle and zone exclusions to `programme` (which the
 * caller owns alone, e.g. freshly parsed): an excluded side's pass is
 * dropped from Sides, excluded steps are removed. Each thing left out is
 * appended to `skipped` (owned strings: "left side", "step sweep (calves,
 * mid)"). FALSE, with MP_ERROR_SAFETY, if nothing but rests would remain. */
gboolean mp_client_profile_apply(const MpClientProfile *p, MpProgramme *programme,
                                 GPtrArray *skipped, GError **error);

G_END_DECLS
