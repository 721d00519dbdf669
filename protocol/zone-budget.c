/* The zone budget: per-cell exposure on a clock of played time. See
 * zone-budget.h for the model and docs/programmes.md for the reasons. */
#include "protocol/zone-budget.h"

#include <string.h>

#include "protocol/timespan.h"

#define N_SIDES   (MP_SIDE_RIGHT + 1)
#define N_MUSCLES (MP_MUSCLE_LOWER_BACK + 1)
#define N_ZONES   (MP_ZONE_FULL_LENGTH + 1)

typedef struct {
    guint64 run_ms;   /* percussion since the last rest of at least min_rest_ms */
    guint64 last_end; /* budget time the cell's last exposure ended */
    gboolean touched; /* exposed at all yet (before that, it has rested forever) */
} Cell;

struct _MpZoneBudget {
    guint64 max_zone_ms;
    guint64 min_rest_ms;
    guint64 max_muscle_ms;
    guint64 now; /* every segment so far, rests included */
    /* Indexed by the enums; only single muscles and proximal/mid/distal are used. */
    Cell cells[N_SIDES][N_MUSCLES][N_ZONES];
    guint64 total_ms[N_SIDES][N_MUSCLES];
};

MpZoneBudget *mp_zone_budget_new(const MpSafetyLimits *limits)
{
    g_return_val_if_fail(limits != NULL, NULL);
    MpZoneBudget *b = g_new0(MpZoneBudget, 1);
    b->max_zone_ms = limits->max_zone_ms;
    b->min_rest_ms = limits->min_rest_ms;
    b->max_muscle_ms = limits->max_muscle_ms;
    return b;
}

MpZoneBudget *mp_zone_budget_copy(const MpZoneBudget *budget)
{
    g_return_val_if_fail(budget != NULL, NULL);
    return g_memdup2(budget, sizeof(*budget));
}

void mp_zone_budget_free(MpZoneBudget *budget)
{
    g_free(budget);
}

/* The single muscles a muscle covers: hamstrings is its three. */
static guint covered_muscles(MpMuscle m, MpMuscle out[3])
{
    if (m == MP_MUSCLE_HAMSTRINGS) {
        out[0] = MP_MUSCLE_BICEPS_FEMORIS;
        out[1] = MP_MUSCLE_SEMITENDINOSUS;
        out[2] = MP_MUSCLE_SEMIMEMBRANOSUS;
        return 3;
    }
    out[0] = m;
    return 1;
}

/* The zones a zone covers: full-length (and an unset zone) is all three. */
static guint covered_zones(MpZone z, MpZone out[3])
{
    if (z == MP_ZONE_FULL_LENGTH || z == MP_ZONE_NONE) {
        out[0] = MP_ZONE_PROXIMAL;
        out[1] = MP_ZONE_MID;
        out[2] = MP_ZONE_DISTAL;
        return 3;
    }
    out[0] = z;
    return 1;
}

static guint64 sat_sub(guint64 a, guint64 b)
{
    return a > b ? a - b : 0;
}

/* A candidate violation: keeps the earliest, the continuous rule on a tie
 * (it is the one the cells are checked for first). */
static void consider(MpZoneViolation *best, gboolean *found, const MpZoneViolation *v)
{
    if (!*found || v->offset_ms < best->offset_ms) {
        *best = *v;
        *found = TRUE;
    }
}

gboolean mp_zone_budget_add(MpZoneBudget *b, MpMuscle muscle, MpZone zone, MpSide side,
                            guint64 duration_ms, gboolean active, MpZoneViolation *violation)
{
    g_return_val_if_fail(b != NULL, TRUE);
    guint64 start = b->now;
    b->now += duration_ms;
    if (!active || muscle == MP_MUSCLE_NONE || duration_ms == 0)
        return TRUE;
    g_return_val_if_fail(
        (guint)muscle < N_MUSCLES && (guint)zone < N_ZONES && (guint)side < N_SIDES, TRUE);

    MpMuscle ms[3];
    MpZone zs[3];
    guint n_ms = covered_muscles(muscle, ms);
    guint n_zs = covered_zones(zone, zs);

    /* Each cell's run as this segment begins: a long enough rest since its
     * last exposure starts it again. */
    guint64 before[3][3];
    for (guint i = 0; i < n_ms; i++) {
        for (guint j = 0; j < n_zs; j++) {
            Cell *c = &b->cells[side][ms[i]][zs[j]];
            if (c->touched && start - c->last_end < b->min_rest_ms)
                before[i][j] = c->run_ms;
            else
                before[i][j] = 0;
        }
    }

    MpZoneViolation best = {0};
    gboolean found = FALSE;
    guint bi = 0, bj = 0;
    for (guint i = 0; i < n_ms; i++) {
        for (guint j = 0; j < n_zs; j++) {
            guint64 run = before[i][j] + duration_ms;
            if (run <= b->max_zone_ms)
                continue;
            MpZoneViolation v = {
                .rule = MP_ZONE_RULE_CONTINUOUS,
                .muscle = ms[i],
                .zone = zs[j],
                .side = side,
                .exposure_ms = run,
                .limit_ms = b->max_zone_ms,
                .offset_ms = sat_sub(b->max_zone_ms, before[i][j]),
            };
            if (!found || v.offset_ms < best.offset_ms) {
                best = v;
                found = TRUE;
                bi = i;
                bj = j;
            }
        }
    }
    if (found) {
        /* Name the widest part of the segment's own region that reached the
         * limit together: the whole region, a zone across the muscles, or
         * a muscle along its zones; else the one cell. */
        gboolean all = TRUE, across = TRUE, along = TRUE;
        for (guint i = 0; i < n_ms; i++)
            for (guint j = 0; j < n_zs; j++)
                all = all && before[i][j] == before[bi][bj];
        for (guint i = 0; i < n_ms; i++)
            across = across && before[i][bj] == before[bi][bj];
        for (guint j = 0; j < n_zs; j++)
            along = along && before[bi][j] == before[bi][bj];
        if (all) {
            best.muscle = muscle;
            best.zone = zone == MP_ZONE_NONE ? MP_ZONE_FULL_LENGTH : zone;
        } else if (across && n_ms > 1) {
            best.muscle = muscle;
        } else if (along && n_zs > 1) {
            best.zone = zone == MP_ZONE_NONE ? MP_ZONE_FULL_LENGTH : zone;
        }
    }

    /* The session total of each muscle on this side. */
    gboolean total_found = FALSE;
    MpZoneViolation total = {0};
    gboolean same = TRUE;
    for (guint i = 0; i < n_ms; i++) {
        guint64 t0 = b->total_ms[side][ms[i]];
        same = same && t0 == b->total_ms[side][ms[0]];
        if (t0 + duration_ms <= b->max_muscle_ms)
            continue;
        MpZoneViolation v = {
            .rule = MP_ZONE_RULE_TOTAL,
            .muscle = ms[i],
            .zone = MP_ZONE_NONE,
            .side = side,
            .exposure_ms = t0 + duration_ms,
            .limit_ms = b->max_muscle_ms,
            .offset_ms = sat_sub(b->max_muscle_ms, t0),
        };
        consider(&total, &total_found, &v);
    }
    if (total_found && same)
        total.muscle = muscle;
    if (total_found)
        consider(&best, &found, &total);

    /* Record the segment. */
    for (guint i = 0; i < n_ms; i++) {
        b->total_ms[side][ms[i]] += duration_ms;
        for (guint j = 0; j < n_zs; j++) {
            Cell *c = &b->cells[side][ms[i]][zs[j]];
            c->run_ms = before[i][j] + duration_ms;
            c->last_end = b->now;
            c->touched = TRUE;
        }
    }
    if (found && violation)
        *violation = best;
    return !found;
}

void mp_zone_budget_rest(MpZoneBudget *budget, guint64 duration_ms)
{
    mp_zone_budget_add(budget, MP_MUSCLE_NONE, MP_ZONE_NONE, MP_SIDE_NONE, duration_ms, FALSE,
                       NULL);
}

guint64 mp_zone_budget_elapsed(const MpZoneBudget *budget)
{
    return budget->now;
}

char *mp_zone_violation_where(const MpZoneViolation *v)
{
    GString *s = g_string_new(mp_muscle_to_string(v->muscle));
    if (v->zone != MP_ZONE_NONE)
        g_string_append_printf(s, " %s", mp_zone_to_string(v->zone));
    if (v->side != MP_SIDE_NONE)
        g_string_append_printf(s, " (%s)", mp_side_to_string(v->side));
    return g_string_free(s, FALSE);
}

char *mp_zone_violation_describe(const MpZoneViolation *v, MpMuscle muscle, MpZone zone)
{
    g_autofree char *where = mp_zone_violation_where(v);
    g_autofree char *t = mp_timespan_format(v->exposure_ms);
    g_autofree char *max = mp_timespan_format(v->limit_ms);
    if (zone == MP_ZONE_NONE)
        zone = MP_ZONE_FULL_LENGTH;
    /* Say how the segment reaches a part it does not name itself. */
    g_autofree char *via = NULL;
    if (v->rule == MP_ZONE_RULE_CONTINUOUS && (v->muscle != muscle || v->zone != zone))
        via = g_strdup_printf(", which %s %s overlaps,", mp_muscle_to_string(muscle),
                              mp_zone_to_string(zone));
    else if (v->rule == MP_ZONE_RULE_TOTAL && v->muscle != muscle)
        via = g_strdup_printf(", which %s covers,", mp_muscle_to_string(muscle));
    if (v->rule == MP_ZONE_RULE_CONTINUOUS)
        return g_strdup_printf("%s in a row on %s%s above the maximum of %s", t, where,
                               via ? via : ",", max);
    return g_strdup_printf("%s in this session on %s%s above the maximum of %s per muscle and side",
                           t, where, via ? via : ",", max);
}
