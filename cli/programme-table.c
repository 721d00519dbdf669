/* programme show's table of steps: util-linux's libsmartcols measures every
 * cell (UTF-8 names included) so columns never run together, whatever the
 * longest muscle or step name. */
#include <libsmartcols.h>

#include "cli/programme-table.h"
#include "protocol/plot.h"

enum { COL_N, COL_START, COL_STEP, COL_MUSCLE, COL_ZONE, COL_SIDE, COL_LENGTH, COL_INTENSITY };

static void set_cell(struct libscols_line *ln, int col, const char *text)
{
    scols_line_set_data(ln, (size_t)col, text);
}

void mctl_print_steps_table(FILE *out, const MpTimeline *tl)
{
    struct libscols_table *tb = scols_new_table();
    if (!tb)
        return;
    scols_table_set_stream(tb, out);
    /* Two spaces between columns: names with spaces ("First pass") stay
     * readable as one cell. */
    scols_table_set_column_separator(tb, "  ");
    scols_table_new_column(tb, "#", 0, SCOLS_FL_RIGHT);
    scols_table_new_column(tb, "START", 0, SCOLS_FL_RIGHT);
    scols_table_new_column(tb, "STEP", 0, 0);
    scols_table_new_column(tb, "MUSCLE", 0, 0);
    scols_table_new_column(tb, "ZONE", 0, 0);
    scols_table_new_column(tb, "SIDE", 0, 0);
    scols_table_new_column(tb, "LENGTH", 0, SCOLS_FL_RIGHT);
    scols_table_new_column(tb, "INTENSITY", 0, 0);
    for (guint i = 0; i < mp_timeline_n_entries(tl); i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        const MpStep *s = e->step;
        gboolean rest = s->muscle == MP_MUSCLE_NONE;
        g_autofree char *n = g_strdup_printf("%u", i + 1);
        g_autofree char *start = mp_plot_format_span(e->start_ms);
        g_autofree char *len = mp_plot_format_span(e->end_ms - e->start_ms);
        g_autofree char *intensity = mp_envelope_to_string(&s->intensity);
        struct libscols_line *ln = scols_table_new_line(tb, NULL);
        if (!ln)
            break;
        set_cell(ln, COL_N, n);
        set_cell(ln, COL_START, start);
        set_cell(ln, COL_STEP, s->name ? s->name : s->id); /* the Name defaults to the id */
        set_cell(ln, COL_MUSCLE, rest ? "rest" : mp_muscle_to_string(s->muscle));
        set_cell(ln, COL_ZONE, rest ? "-" : mp_zone_to_string(s->zone));
        set_cell(ln, COL_SIDE, e->side == MP_SIDE_NONE ? "-" : mp_side_to_string(e->side));
        set_cell(ln, COL_LENGTH, len);
        set_cell(ln, COL_INTENSITY, intensity);
    }
    scols_print_table(tb);
    scols_unref_table(tb);
}
