/* A programme's intensity over time, drawn for a terminal: a chart with a
 * percent axis, a time axis with labels, the step of each stretch of time
 * and the side (leg) each pass is on. Pure: text in, text out. */
#pragma once

#include <glib.h>

#include "protocol/timeline.h"

G_BEGIN_DECLS

/* Columns the y axis takes at the left of every line ("100% ┤"). */
#define MP_PLOT_MARGIN 6

typedef struct {
    guint width;   /* whole line, axis included; at least MP_PLOT_MIN_WIDTH */
    guint height;  /* rows of chart, axis and labels excluded; 2..MP_PLOT_MAX_HEIGHT */
    gboolean utf8; /* block characters and box lines; plain ASCII when FALSE */
    /* The stretch of programme time to draw, [from_ms, to_ms): a zoom on one
     * step, where a wave's shape shows. Both 0: the whole programme. The
     * axis labels stay programme time. */
    guint64 from_ms, to_ms;
} MpPlotOptions;

#define MP_PLOT_MIN_WIDTH  (MP_PLOT_MARGIN + 10)
#define MP_PLOT_MAX_WIDTH  1000
#define MP_PLOT_MAX_HEIGHT 100

/* The chart as lines ending in '\n', without trailing spaces. Each column
 * shows the highest intensity sampled in its stretch of time, so a pulse's
 * peaks stay visible however narrow the chart. The percent axis runs from 0
 * to the programme's peak rounded up to a multiple of 10. A width or height
 * out of range is clamped to it. */
char *mp_plot_render(const MpTimeline *tl, const MpPlotOptions *options);

/* "45s", "2m", "1m30s", "1h5m", "500ms": short time labels for the axis and
 * for tables (mp_timespan_format_style's compact style). */
char *mp_plot_format_span(guint64 ms);

G_END_DECLS
