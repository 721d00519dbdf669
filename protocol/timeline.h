/* The evaluator: a programme with its Sides expanded into a timeline, the
 * intensity at any millisecond, and the next instant the quantised intensity
 * changes, so the daemon sleeps exactly until then instead of polling. */
#pragma once

#include "protocol/programme.h"

G_BEGIN_DECLS

typedef struct {
    const MpStep *step; /* borrowed from the programme */
    MpSide side;        /* the pass this entry belongs to (or the step's override) */
    guint index;        /* position in the timeline, 0-based */
    guint64 start_ms;   /* inclusive */
    guint64 end_ms;     /* exclusive */
} MpTimelineEntry;

typedef struct _MpTimeline MpTimeline;

MpTimeline *mp_timeline_new(MpProgramme *p); /* keeps a reference to p */
void mp_timeline_free(MpTimeline *tl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpTimeline, mp_timeline_free)

MpProgramme *mp_timeline_programme(const MpTimeline *tl);
guint64 mp_timeline_duration(const MpTimeline *tl);
guint mp_timeline_n_entries(const MpTimeline *tl);
const MpTimelineEntry *mp_timeline_entry(const MpTimeline *tl, guint index);
/* The entry playing at t (start <= t < end); NULL at or after the end. */
const MpTimelineEntry *mp_timeline_entry_at(const MpTimeline *tl, guint64 t_ms);
/* Intensity in percent at t; 0 at or after the end. */
double mp_timeline_intensity(const MpTimeline *tl, guint64 t_ms);

/* Quantised intensity: round(intensity / quantum) as a level number, halves
 * rounded up; 0 for intensities <= 0 or NaN; a quantum <= 0 counts as 1. */
gint mp_quantise(double intensity, double quantum);
/* The smallest t' > t (integer ms) at which mp_quantise(intensity(t')) differs
 * from mp_quantise(intensity(t)), or at which a new timeline entry starts;
 * G_MAXUINT64 if nothing changes again (t' = duration counts as a change to 0).
 * Computed by inverting the envelope and checked to the millisecond: the
 * cost does not grow with the step's length. */
guint64 mp_timeline_next_change(const MpTimeline *tl, guint64 t_ms, double quantum);

G_END_DECLS
