/* The terminal chart of a programme's intensity over time (protocol/plot.h).
 * Drawn into a grid of characters, one per column, then joined into lines:
 * that keeps the layout in columns whether a character takes one byte
 * (ASCII) or three (the block elements). */
#include "protocol/plot.h"

#include <math.h>
#include <string.h>

#include "protocol/timespan.h"

/* Samples per column: enough that a pulse's "on" phase, at least 200 ms long
 * (docs/programmes.md), shows in any column shorter than about 12 s; wider
 * columns still catch it unless on= is far shorter than off=. */
#define SAMPLES_PER_COLUMN 64

typedef struct {
    guint width;     /* columns of chart (the line minus the margin) */
    guint n_lines;   /* chart rows + axis + time + steps + sides */
    gunichar *cells; /* n_lines x width */
    char (*margin)[MP_PLOT_MARGIN * 4 + 1];
} Grid;

static gunichar *cell(Grid *g, guint line, guint col)
{
    return &g->cells[line * g->width + col];
}

/* Writes UTF-8 text from column `col`, at most `max` characters. */
static void put_text(Grid *g, guint line, guint col, const char *text, guint max)
{
    for (const char *p = text; *p && max > 0 && col < g->width; p = g_utf8_next_char(p)) {
        *cell(g, line, col++) = g_utf8_get_char(p);
        max--;
    }
}

static void append_line(GString *out, Grid *g, guint line)
{
    gsize start = out->len;
    g_string_append(out, g->margin[line]);
    for (guint c = 0; c < g->width; c++)
        g_string_append_unichar(out, *cell(g, line, c));
    /* No trailing spaces: terminals do not need them and tests compare text. */
    while (out->len > start && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
    g_string_append_c(out, '\n');
}

char *mp_plot_format_span(guint64 ms)
{
    return mp_timespan_format_style(ms, MP_TIMESPAN_STYLE_COMPACT);
}

/* The stretch of programme time the chart covers. */
typedef struct {
    guint64 from, d; /* start and length, d > 0 */
} Window;

/* Column of an instant: columns split the window evenly; instants outside
 * it are clamped to its edges. */
static guint col_of(guint64 t_ms, const Window *w, guint width)
{
    guint64 t = t_ms > w->from ? MIN(t_ms - w->from, w->d) : 0;
    return (guint)((t * width) / w->d);
}

/* The highest intensity sampled in [t0, t1). */
static double column_peak(const MpTimeline *tl, guint64 t0, guint64 t1)
{
    guint64 span = t1 > t0 ? t1 - t0 : 1;
    guint64 n = MIN(span, (guint64)SAMPLES_PER_COLUMN);
    double peak = 0.0;
    for (guint64 i = 0; i < n; i++)
        peak = MAX(peak, mp_timeline_intensity(tl, t0 + i * span / n));
    return peak;
}

/* The glyph for a cell of a row covering intensities (lo, hi]. */
static gunichar bar_glyph(double v, double lo, double hi, gboolean bottom, gboolean utf8)
{
    static const gunichar blocks[] = {0x2581, 0x2582, 0x2583, 0x2584,
                                      0x2585, 0x2586, 0x2587, 0x2588}; /* ▁ … █ */
    int eighths;
    if (v >= hi - 1e-9)
        eighths = 8;
    else if (v <= lo)
        eighths = 0;
    else
        eighths = CLAMP((int)floor((v - lo) / (hi - lo) * 8.0 + 0.5), 0, 8);
    /* Anything above 0 % shows, so a gentle step is never drawn as a rest. */
    if (bottom && v > 0.0 && eighths == 0)
        eighths = 1;
    if (eighths == 0)
        return ' ';
    if (utf8)
        return blocks[eighths - 1];
    return eighths == 8 ? '#' : eighths >= 4 ? ':' : '.';
}

/* Picks the time between axis labels: the shortest "round" interval that
 * leaves room for a label ("10m30s" at most, plus a gap). */
static guint64 tick_interval(guint64 duration_ms, guint width)
{
    static const guint64 nice[] = {1000,    2000,     5000,     10000,    15000,   20000,   30000,
                                   60000,   120000,   300000,   600000,   900000,  1800000, 3600000,
                                   7200000, 10800000, 21600000, 43200000, 86400000};
    const guint min_cols = 8;
    for (gsize i = 0; i < G_N_ELEMENTS(nice); i++) {
        if ((double)nice[i] * width / (double)duration_ms >= min_cols)
            return nice[i];
    }
    guint64 t = nice[G_N_ELEMENTS(nice) - 1];
    while ((double)t * width / (double)duration_ms < min_cols)
        t *= 2;
    return t;
}

static void draw_bars(Grid *g, const MpTimeline *tl, const Window *w, guint height, gboolean utf8)
{
    guint64 d = w->d;
    double *peaks = g_new0(double, g->width);
    double peak = 0.0;
    for (guint c = 0; c < g->width; c++) {
        guint64 t0 = w->from + (guint64)c * d / g->width;
        guint64 t1 = w->from + (guint64)(c + 1) * d / g->width;
        peaks[c] = column_peak(tl, t0, t1);
        peak = MAX(peak, peaks[c]);
    }
    /* The axis tops out at the peak rounded up to 10 %: a gentle programme
     * still fills the chart, and the labels stay round numbers. */
    double top = MAX(10.0, ceil(peak / 10.0 - 1e-9) * 10.0);

    for (guint r = 0; r < height; r++) {
        double hi = top * (height - r) / height, lo = top * (height - r - 1) / height;
        for (guint c = 0; c < g->width; c++)
            *cell(g, r, c) = bar_glyph(peaks[c], lo, hi, r == height - 1, utf8);
        /* Labels on the top row and, when a row ends there, at half the top. */
        gboolean labelled = r == 0 || (height % 2 == 0 && r == height / 2);
        const char *axis = utf8 ? (labelled ? "┤" : "│") : (labelled ? "+" : "|");
        if (labelled)
            g_snprintf(g->margin[r], sizeof g->margin[r], "%3.0f%% %s", hi, axis);
        else
            g_snprintf(g->margin[r], sizeof g->margin[r], "     %s", axis);
    }
    g_free(peaks);
}

static void draw_time_axis(Grid *g, const Window *w, guint axis, guint labels, gboolean utf8)
{
    guint64 d = w->d;
    g_snprintf(g->margin[axis], sizeof g->margin[axis], "  0%% %s", utf8 ? "└" : "+");
    for (guint c = 0; c < g->width; c++)
        *cell(g, axis, c) = utf8 ? 0x2500 /* ─ */ : '-';

    guint64 interval = tick_interval(d, g->width);
    guint free_from = 0; /* the first column a label may use */
    for (guint64 t = 0; t < d; t += interval) {
        guint c = col_of(w->from + t, w, g->width);
        if (c > 0) /* the corner marks the window's start */
            *cell(g, axis, c) = utf8 ? 0x252C /* ┬ */ : '+';
        g_autofree char *label = mp_plot_format_span(w->from + t);
        guint len = (guint)g_utf8_strlen(label, -1);
        if (c >= free_from && c + len <= g->width) {
            put_text(g, labels, c, label, len);
            free_from = c + len + 1;
        }
    }
}

/* Step ids under the stretch of time each plays, cut to fit. */
static void draw_steps(Grid *g, const MpTimeline *tl, const Window *w, guint line)
{
    for (guint i = 0; i < mp_timeline_n_entries(tl); i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        guint a = col_of(e->start_ms, w, g->width), b = col_of(e->end_ms, w, g->width);
        if (b > a + 1)
            put_text(g, line, a, e->step->id, b - a - 1);
    }
}

/* A bracket under each run of entries on one side: ├── left ──┤ or <-left->. */
static void draw_sides(Grid *g, const MpTimeline *tl, const Window *w, guint line, gboolean utf8)
{
    guint n = mp_timeline_n_entries(tl);
    for (guint i = 0; i < n;) {
        const MpTimelineEntry *first = mp_timeline_entry(tl, i);
        guint j = i + 1;
        while (j < n && mp_timeline_entry(tl, j)->side == first->side)
            j++;
        MpSide side = first->side;
        guint a = col_of(first->start_ms, w, g->width);
        guint b = col_of(mp_timeline_entry(tl, j - 1)->end_ms, w, g->width);
        i = j;
        if (side == MP_SIDE_NONE || b <= a)
            continue;
        const char *name = mp_side_to_string(side);
        guint span = b - a;
        if (span < 3) {
            *cell(g, line, a) = g_ascii_toupper(name[0]);
            continue;
        }
        for (guint c = a + 1; c < b - 1; c++)
            *cell(g, line, c) = utf8 ? 0x2500 /* ─ */ : '-';
        *cell(g, line, a) = utf8 ? 0x251C /* ├ */ : '<';
        *cell(g, line, b - 1) = utf8 ? 0x2524 /* ┤ */ : '>';
        g_autofree char *label = g_strdup_printf(" %s ", name);
        guint len = (guint)strlen(label);
        if (span >= len + 2)
            put_text(g, line, a + 1 + (span - 2 - len) / 2, label, len);
        else
            *cell(g, line, a + 1 + (span - 2) / 2) = g_ascii_toupper(name[0]);
    }
}

char *mp_plot_render(const MpTimeline *tl, const MpPlotOptions *options)
{
    g_return_val_if_fail(tl != NULL && options != NULL, NULL);
    guint width = CLAMP(options->width, MP_PLOT_MIN_WIDTH, MP_PLOT_MAX_WIDTH);
    guint height = CLAMP(options->height, 2, MP_PLOT_MAX_HEIGHT);
    guint64 total = mp_timeline_duration(tl);
    Window w = {0, total};
    if (options->from_ms || options->to_ms) {
        /* Clamped to the programme, so a caller's slip draws less, never garbage. */
        w.from = MIN(options->from_ms, total);
        w.d = MIN(options->to_ms, total) > w.from ? MIN(options->to_ms, total) - w.from : 0;
    }
    if (w.d == 0)
        return g_strdup("(the programme has no time to plot)\n");

    Grid g = {.width = width - MP_PLOT_MARGIN, .n_lines = height + 4};
    g.cells = g_new(gunichar, (gsize)g.n_lines * g.width);
    for (gsize i = 0; i < (gsize)g.n_lines * g.width; i++)
        g.cells[i] = ' ';
    g.margin = g_malloc0((gsize)g.n_lines * sizeof *g.margin);
    for (guint l = 0; l < g.n_lines; l++)
        g_snprintf(g.margin[l], sizeof g.margin[l], "%*s", MP_PLOT_MARGIN, "");

    draw_bars(&g, tl, &w, height, options->utf8);
    draw_time_axis(&g, &w, height, height + 1, options->utf8);
    draw_steps(&g, tl, &w, height + 2);
    draw_sides(&g, tl, &w, height + 3, options->utf8);

    GString *out = g_string_new(NULL);
    for (guint l = 0; l < g.n_lines; l++)
        append_line(out, &g, l);
    g_free(g.cells);
    g_free(g.margin);
    return g_string_free(out, FALSE);
}
