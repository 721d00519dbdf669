/* The zone budget: how much percussion each part of the body has had, fed
 * with played segments in order, and the first limit a segment passes. The
 * validator feeds it a programme's timeline; the engine feeds it what was
 * actually played (pauses as rests), and asks a copy "what if" before it
 * lets Next or Previous move. Pure C, no main loop, no I/O.
 *
 * The body is counted in cells: one muscle (hamstrings is its three
 * muscles: biceps-femoris, semitendinosus, semimembranosus), one zone
 * (full-length is proximal, mid and distal) and one side. A segment exposes
 * every cell its muscle and zone cover, so overlapping zones count
 * together; different sides (left, right, none) never overlap. The rules
 * (docs/programmes.md, "Safety rules"):
 *
 * - continuous: a cell may have at most limits.max_zone_ms of percussion
 *   without a rest in between; only a rest of at least limits.min_rest_ms
 *   (one stretch in which the cell is not worked: a rest step, a pause, or
 *   work on cells that do not overlap) starts the count again. A shorter
 *   rest neither counts as percussion nor resets the count.
 * - total: one muscle on one side may have at most limits.max_muscle_ms of
 *   percussion in the session, however it is split up. */
#pragma once

#include "protocol/programme.h"

G_BEGIN_DECLS

typedef enum {
    MP_ZONE_RULE_CONTINUOUS, /* max_zone_ms without a rest of min_rest_ms */
    MP_ZONE_RULE_TOTAL,      /* max_muscle_ms in the session on one muscle and side */
} MpZoneRule;

typedef struct {
    MpZoneRule rule;
    /* Where: the widest part of the segment's own muscle and zone that
     * passed the limit together (hamstrings full-length when every cell of
     * it did, biceps-femoris mid when only that cell did). zone is
     * MP_ZONE_NONE for the total rule. */
    MpMuscle muscle;
    MpZone zone;
    MpSide side;
    guint64 exposure_ms; /* the run (or total) the whole segment brings it to */
    guint64 limit_ms;    /* max_zone_ms or max_muscle_ms */
    guint64 offset_ms;   /* how far into the segment the limit was passed */
} MpZoneViolation;

typedef struct _MpZoneBudget MpZoneBudget;

/* Copies the three limits it needs: max_zone_ms, min_rest_ms, max_muscle_ms. */
MpZoneBudget *mp_zone_budget_new(const MpSafetyLimits *limits);
MpZoneBudget *mp_zone_budget_copy(const MpZoneBudget *budget);
void mp_zone_budget_free(MpZoneBudget *budget);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpZoneBudget, mp_zone_budget_free)

/* Records one played segment of `duration_ms`. `active` is FALSE for a rest
 * (intensity 0; muscle, zone and side are then ignored); an active segment
 * without a muscle exposes nothing, and MP_ZONE_NONE counts as full-length.
 * Returns FALSE if the segment passes a limit, with the first violation
 * (earliest in the segment; the continuous rule first on a tie) in
 * `*violation` (may be NULL). The segment is recorded either way. */
gboolean mp_zone_budget_add(MpZoneBudget *budget, MpMuscle muscle, MpZone zone, MpSide side,
                            guint64 duration_ms, gboolean active, MpZoneViolation *violation);
/* A rest of `duration_ms`: mp_zone_budget_add(..., FALSE). */
void mp_zone_budget_rest(MpZoneBudget *budget, guint64 duration_ms);
/* Everything recorded so far, rests included (ms). */
guint64 mp_zone_budget_elapsed(const MpZoneBudget *budget);

/* "biceps-femoris mid (left)", "hamstrings (right)", "lower-back mid". */
char *mp_zone_violation_where(const MpZoneViolation *violation);
/* The rule broken, for a diagnostic or an error: "4min in a row on
 * biceps-femoris mid (left), which hamstrings full-length overlaps, above the
 * maximum of 3min", "6min in this session on biceps-femoris (left), above
 * the maximum of 5min per muscle and side". `muscle` and `zone` are
 * the segment's own, to say how it reaches a part it does not name. */
char *mp_zone_violation_describe(const MpZoneViolation *violation, MpMuscle muscle, MpZone zone);

G_END_DECLS
