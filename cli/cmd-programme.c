/* massagectl programme: list, show and plot take an id from massaged when it
 * runs (built-in and imported programmes alike) and from <data_dir>/programmes
 * when it does not (cli/programme-source.c), or a file; validate works on
 * files, so a therapist can work on a programme anywhere. import, export and
 * remove go through the daemon (cmd-programme-store.c). Checks here use the
 * default safety limits: the daemon's configuration can only be stricter. */
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/caution.h"
#include "cli/client.h"
#include "cli/massagectl.h"
#include "cli/programme-source.h"
#include "cli/programme-table.h"
#include "protocol/plot.h"
#include "protocol/timeline.h"

#define PROGRAMME_SUFFIX ".programme"

/* ------------------------------------------------------------------ helpers */

/* FILE or ID: a path (has a '/' or ends in .programme) is read as is; anything
 * else is an id. Write ./NAME for a file without the suffix. */
static gboolean is_path(const char *arg)
{
    return strchr(arg, '/') || g_str_has_suffix(arg, PROGRAMME_SUFFIX);
}

static void print_diagnostics(GPtrArray *diags, FILE *out)
{
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, i));
        fprintf(out, "%s\n", s);
    }
}

/* Loads FILE|ID for show and plot; on failure reports and sets *rc.
 * *origin: "built-in" or "imported" for an id, NULL for a file. */
static MpProgramme *load_one(MctlContext *ctx, const char *arg, const char **origin, int *rc)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = NULL;
    const char *path = arg;
    *origin = NULL;
    if (is_path(arg)) {
        if (!g_file_test(arg, G_FILE_TEST_EXISTS)) {
            *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND, NULL, "%s: no such file", arg);
            return NULL;
        }
        MpSafetyLimits limits;
        mp_safety_limits_init(&limits);
        p = mp_programme_load_file(arg, &limits, diags);
    } else {
        g_autoptr(MctlProgrammeSource) src = mctl_programme_source_new(ctx);
        g_autoptr(GError) error = NULL;
        p = mctl_programme_source_load(src, arg, diags, origin, &error);
        if (error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
            *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND,
                            "Run 'massagectl programme list' for the ids, or give a file "
                            "(./NAME if it has no .programme suffix).",
                            "%s", error->message);
            return NULL;
        }
        if (error) { /* the daemon answered, but with an error */
            *rc = mctl_fail_dbus(ctx, error, NULL);
            return NULL;
        }
    }
    if (!p) {
        if (!ctx->json)
            print_diagnostics(diags, stderr);
        g_autofree char *hint = g_strdup_printf("Run 'massagectl programme validate %s'.", path);
        *rc = mctl_fail(ctx, MCTL_EXIT_INVALID, ctx->json ? NULL : hint,
                        "%s is not a valid programme (%u problem%s)", path, diags->len,
                        diags->len == 1 ? "" : "s");
        return NULL;
    }
    return g_steal_pointer(&p);
}

static char *sides_text(const MpProgramme *p)
{
    if (p->n_sides == 0)
        return g_strdup("none");
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < p->n_sides && i < 2; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", mp_side_to_string(p->sides[i]));
    return g_string_free(s, FALSE);
}

static void add_int(JsonBuilder *b, const char *name, gint64 value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
}

static void add_sides(JsonBuilder *b, const MpProgramme *p)
{
    json_builder_set_member_name(b, "sides");
    json_builder_begin_array(b);
    for (guint i = 0; i < p->n_sides && i < 2; i++)
        json_builder_add_string_value(b, mp_side_to_string(p->sides[i]));
    json_builder_end_array(b);
}

static void add_diagnostics(JsonBuilder *b, GPtrArray *diags)
{
    json_builder_set_member_name(b, "diagnostics");
    json_builder_begin_array(b);
    for (guint i = 0; i < diags->len; i++) {
        const MpDiagnostic *d = g_ptr_array_index(diags, i);
        g_autofree char *text = mp_diagnostic_to_string(d);
        json_builder_begin_object(b);
        mctl_json_add_string(b, "severity", d->severity == MP_DIAG_ERROR ? "error" : "warning");
        mctl_json_add_string(b, "file", d->source);
        add_int(b, "line", d->line);
        mctl_json_add_string(b, "group", d->group);
        mctl_json_add_string(b, "key", d->key);
        mctl_json_add_string(b, "message", d->message);
        mctl_json_add_string(b, "text", text);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

/* Names the sub-command in full ("programme plot") for help and usage errors,
 * which take the command's name from argv[0]. */
static void name_command(char **argv, const char *full)
{
    argv[0] = (char *)full;
}

/* Rejects stray arguments after the options, and counts the rest. */
static gboolean want_args(MctlContext *ctx, int argc, char **argv, int min, int max, int *rc)
{
    int n = argc - 1;
    if (n >= min && (max < 0 || n <= max))
        return TRUE;
    g_autofree char *hint = g_strdup_printf("Run '%s %s --help'.", ctx->prog, argv[0]);
    if (n < min)
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, hint, "%s: missing %s", argv[0],
                        min == 1 && max == 1 ? "FILE or ID" : "FILE");
    else
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, hint, "%s: unexpected argument '%s'", argv[0],
                        argv[max + 1]);
    return FALSE;
}

/* ----------------------------------------------------------------- validate */

static int cmd_validate(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    name_command(argv, "programme validate");
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "FILE...",
                            "Checks programme files against the format and the default "
                            "safety limits. Prints one line per valid file, or every problem "
                            "found (FILE:LINE: [GROUP] KEY: message); exits 6 if any file is "
                            "invalid, 3 if files are only missing.",
                            &rc))
        return rc;
    if (!want_args(ctx, argc, argv, 1, -1, &rc))
        return rc;

    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "files");
    json_builder_begin_array(b);
    gboolean all_valid = TRUE, any_invalid = FALSE;
    for (int i = 1; i < argc; i++) {
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        /* A missing file is reported like any other problem, but exits 3
         * (not found) when nothing else is wrong. */
        gboolean missing = !g_file_test(argv[i], G_FILE_TEST_EXISTS);
        g_autoptr(MpProgramme) p = mp_programme_load_file(argv[i], &limits, diags);
        g_autoptr(MpTimeline) tl = p ? mp_timeline_new(p) : NULL;
        all_valid = all_valid && p != NULL;
        any_invalid = any_invalid || (!p && !missing);
        if (ctx->json) {
            json_builder_begin_object(b);
            mctl_json_add_string(b, "file", argv[i]);
            json_builder_set_member_name(b, "valid");
            json_builder_add_boolean_value(b, p != NULL);
            if (p) {
                mctl_json_add_string(b, "name", p->name);
                add_int(b, "steps", p->steps->len);
                add_sides(b, p);
                add_int(b, "entries", mp_timeline_n_entries(tl));
                add_int(b, "duration_ms", (gint64)mp_timeline_duration(tl));
            }
            add_diagnostics(b, diags);
            json_builder_end_object(b);
            continue;
        }
        print_diagnostics(diags, stdout);
        if (p) {
            g_autofree char *sides = sides_text(p);
            g_autofree char *total = mp_plot_format_span(mp_timeline_duration(tl));
            printf("%s: valid: \"%s\", %u step%s, sides %s, %s in all\n", argv[i], p->name,
                   p->steps->len, p->steps->len == 1 ? "" : "s", sides, total);
        }
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "valid");
    json_builder_add_boolean_value(b, all_valid);
    json_builder_end_object(b);
    if (ctx->json)
        mctl_print_json_builder(b);
    return all_valid ? MCTL_EXIT_OK : any_invalid ? MCTL_EXIT_INVALID : MCTL_EXIT_NOT_FOUND;
}

/* --------------------------------------------------------------------- show */

/* Time per muscle and per side (massage only), over the timeline: what
 * actually plays, sides expanded. Keys in first-played order. Rest is no
 * muscle: it is added up on its own (the JSON's per_muscle_ms keeps a
 * "rest" key only because hubs already read it). */
typedef struct {
    GPtrArray *names; /* borrowed static strings, in order */
    GHashTable *ms;   /* name -> guint64* */
} Tally;

static void tally_init(Tally *t)
{
    t->names = g_ptr_array_new();
    t->ms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

static void tally_clear(Tally *t)
{
    g_ptr_array_unref(t->names);
    g_hash_table_unref(t->ms);
}

static void tally_add(Tally *t, const char *name, guint64 ms)
{
    guint64 *v = g_hash_table_lookup(t->ms, name);
    if (!v) {
        v = g_new0(guint64, 1);
        g_hash_table_insert(t->ms, (gpointer)name, v);
        g_ptr_array_add(t->names, (gpointer)name);
    }
    *v += ms;
}

static void tally_print(const Tally *t, const char *title)
{
    printf("%s", title);
    for (guint i = 0; i < t->names->len; i++) {
        const char *name = g_ptr_array_index(t->names, i);
        g_autofree char *span = mp_plot_format_span(*(guint64 *)g_hash_table_lookup(t->ms, name));
        printf("%s%s %s", i ? ", " : "", name, span);
    }
    printf("%s\n", t->names->len ? "" : "none");
}

static void tally_json(JsonBuilder *b, const char *member, const Tally *t)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_object(b);
    for (guint i = 0; i < t->names->len; i++) {
        const char *name = g_ptr_array_index(t->names, i);
        add_int(b, name, (gint64) * (guint64 *)g_hash_table_lookup(t->ms, name));
    }
    json_builder_end_object(b);
}

static void show_json(const char *arg, const char *origin, const MpProgramme *p,
                      const MpTimeline *tl, const Tally *muscles, guint64 rest_ms,
                      const Tally *sides)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    mctl_json_add_string(b, "programme", arg);
    /* A file when one was read; an id's text from massaged has none here. */
    mctl_json_add_string(b, "file", g_str_has_prefix(p->source, "massaged:") ? NULL : p->source);
    mctl_json_add_string(b, "origin", origin); /* null for a file */
    mctl_json_add_string(b, "name", p->name);
    mctl_json_add_string(b, "summary", p->summary);
    mctl_json_add_string(b, "description", p->description);
    mctl_json_add_string(b, "author", p->author);
    mctl_json_add_string(b, "caution", p->caution);
    mctl_json_add_string(b, "kind", mp_device_kind_to_string(p->kind));
    add_sides(b, p);
    json_builder_set_member_name(b, "references");
    json_builder_begin_array(b);
    for (guint i = 0; p->references && p->references[i]; i++)
        json_builder_add_string_value(b, p->references[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "max_intensity");
    json_builder_add_double_value(b, p->max_intensity);
    add_int(b, "duration_ms", (gint64)mp_timeline_duration(tl));

    json_builder_set_member_name(b, "steps");
    json_builder_begin_array(b);
    for (guint i = 0; i < mp_timeline_n_entries(tl); i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        const MpStep *s = e->step;
        g_autofree char *intensity = mp_envelope_to_string(&s->intensity);
        json_builder_begin_object(b);
        add_int(b, "index", e->index);
        mctl_json_add_string(b, "id", s->id);
        mctl_json_add_string(b, "name", s->name);
        /* Absent is null (docs/json.md): a rest has no muscle or zone. */
        mctl_json_add_string(b, "muscle",
                             s->muscle == MP_MUSCLE_NONE ? NULL : mp_muscle_to_string(s->muscle));
        mctl_json_add_string(b, "zone",
                             s->zone == MP_ZONE_NONE ? NULL : mp_zone_to_string(s->zone));
        mctl_json_add_string(b, "side",
                             e->side == MP_SIDE_NONE ? NULL : mp_side_to_string(e->side));
        add_int(b, "start_ms", (gint64)e->start_ms);
        add_int(b, "duration_ms", (gint64)(e->end_ms - e->start_ms));
        mctl_json_add_string(b, "intensity_text", intensity); /* as written, e.g. "ramp 20%..40%" */
        json_builder_set_member_name(b, "max_intensity");
        json_builder_add_double_value(b, mp_envelope_max(&s->intensity));
        json_builder_set_member_name(b, "speed");
        if (s->speed >= 0)
            json_builder_add_double_value(b, s->speed);
        else
            json_builder_add_null_value(b);
        mctl_json_add_string(b, "prompt", s->prompt);
        add_int(b, "line", s->line);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    tally_json(b, "per_muscle_ms", muscles);
    add_int(b, "rest_ms", (gint64)rest_ms);
    tally_json(b, "per_side_ms", sides);
    json_builder_end_object(b);
    mctl_print_json_builder(b);
}

static void show_text(const char *origin, const MpProgramme *p, const MpTimeline *tl,
                      const Tally *muscles, guint64 rest_ms, const Tally *sides)
{
    g_autofree char *sides_str = sides_text(p);
    g_autofree char *cap = mp_percent_format(p->max_intensity);
    printf("%s\n", p->name);
    if (p->summary)
        printf("  %s\n", p->summary);
    if (!origin)
        printf("File:        %s\n", p->source);
    else if (g_str_has_prefix(p->source, "massaged:"))
        printf("Origin:      %s (from massaged)\n", origin);
    else
        printf("Origin:      %s (%s)\n", origin, p->source);
    printf("Kind:        %s\n", mp_device_kind_to_string(p->kind));
    printf("Sides:       %s\n", sides_str);
    printf("Max level:   %s\n", cap);
    if (p->author)
        printf("Author:      %s\n", p->author);
    for (guint i = 0; p->references && p->references[i]; i++)
        printf("%s %s\n", i ? "            " : "References: ", p->references[i]);
    if (p->caution) {
        /* Said before every start; here in full, so it can be read first. */
        printf("Caution:\n");
        mctl_caution_print_wrapped(stdout, "  ", p->caution, 76);
    }

    printf("\n");
    fflush(stdout); /* the table goes to the same stream through libsmartcols */
    mctl_print_steps_table(stdout, tl);
    g_autofree char *total = mp_plot_format_span(mp_timeline_duration(tl));
    printf("\nTotal:       %s\n", total);
    tally_print(muscles, "Per muscle:  ");
    if (rest_ms) {
        g_autofree char *rest = mp_plot_format_span(rest_ms);
        printf("Rest:        %s\n", rest);
    }
    tally_print(sides, "Per side:    ");
}

static int cmd_show(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    name_command(argv, "programme show");
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "FILE|ID",
                            "Shows a programme's steps as they play (sides expanded): start, "
                            "muscle, zone, side, length and intensity, then the total time, "
                            "the time per muscle and the massage time per side.",
                            &rc))
        return rc;
    if (!want_args(ctx, argc, argv, 1, 1, &rc))
        return rc;
    const char *origin = NULL;
    g_autoptr(MpProgramme) p = load_one(ctx, argv[1], &origin, &rc);
    if (!p)
        return rc;
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);

    Tally muscles, json_muscles, sides;
    guint64 rest_ms = 0;
    tally_init(&muscles);
    tally_init(&json_muscles);
    tally_init(&sides);
    for (guint i = 0; i < mp_timeline_n_entries(tl); i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        guint64 ms = e->end_ms - e->start_ms;
        gboolean rest = e->step->muscle == MP_MUSCLE_NONE;
        tally_add(&json_muscles, rest ? "rest" : mp_muscle_to_string(e->step->muscle), ms);
        if (rest)
            rest_ms += ms;
        else
            tally_add(&muscles, mp_muscle_to_string(e->step->muscle), ms);
        if (!rest && e->side != MP_SIDE_NONE)
            tally_add(&sides, mp_side_to_string(e->side), ms);
    }
    if (ctx->json)
        show_json(argv[1], origin, p, tl, &json_muscles, rest_ms, &sides);
    else
        show_text(origin, p, tl, &muscles, rest_ms, &sides);
    tally_clear(&muscles);
    tally_clear(&json_muscles);
    tally_clear(&sides);
    return MCTL_EXIT_OK;
}

/* --------------------------------------------------------------------- plot */

/* $COLUMNS when set to a width, else the terminal's when stdout is one,
 * else 80. The variable wins, as in ls and other GNU tools: it is how a
 * person (or a script in a terminal) asks for another width. */
static guint default_width(MctlContext *ctx)
{
    const char *columns = g_getenv("COLUMNS");
    guint64 n;
    if (columns && g_ascii_string_to_unsigned(columns, 10, 1, MP_PLOT_MAX_WIDTH, &n, NULL))
        return (guint)n;
    struct winsize ws;
    if (ctx->is_tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* --step ID|N [--side S]: the timeline entry to zoom on. ID is a step id
 * (its first entry, or the one on --side); N, when no step has that id, is
 * the entry's number as `programme show` prints it (from 1). NULL and *rc
 * set when there is none. */
static const MpTimelineEntry *find_entry(MctlContext *ctx, const MpTimeline *tl, const char *step,
                                         const char *side, int *rc)
{
    MpSide want = MP_SIDE_NONE;
    if (side && !mp_side_from_string(side, &want)) {
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--side must be left or right");
        return NULL;
    }
    guint n = mp_timeline_n_entries(tl);
    gboolean id_seen = FALSE;
    for (guint i = 0; i < n; i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        if (!g_str_equal(e->step->id, step))
            continue;
        id_seen = TRUE;
        if (!side || e->side == want)
            return e;
    }
    guint64 number = 0;
    if (!id_seen && g_ascii_string_to_unsigned(step, 10, 1, G_MAXUINT, &number, NULL)) {
        if (number <= n && (!side || mp_timeline_entry(tl, (guint)number - 1)->side == want))
            return mp_timeline_entry(tl, (guint)number - 1);
    }
    if (id_seen)
        *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND, NULL, "step '%s' does not play on the %s side",
                        step, side);
    else
        *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND,
                        "Run 'massagectl programme show' for the steps: an id, or a number "
                        "from its # column.",
                        "no step '%s' in this programme%s%s", step, side ? " on the side " : "",
                        side ? side : "");
    return NULL;
}

static int cmd_plot(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    name_command(argv, "programme plot");
    gint width = 0, height = 10;
    gboolean ascii = FALSE;
    g_autofree char *step = NULL, *side = NULL;
    const GOptionEntry entries[] = {
        {"width", 'w', 0, G_OPTION_ARG_INT, &width,
         "Width of the chart in columns (default: $COLUMNS, else the terminal's, else 80)", "N"},
        {"step", 0, 0, G_OPTION_ARG_STRING, &step,
         "Plot only this step (an id, or a number from 'programme show'), where a wave or "
         "pulse shows its shape",
         "ID|N"},
        {"side", 0, 0, G_OPTION_ARG_STRING, &side, "With --step: its pass on this side",
         "left|right"},
        {"height", 0, 0, G_OPTION_ARG_INT, &height, "Rows of bars (default 10)", "N"},
        {"ascii", 0, 0, G_OPTION_ARG_NONE, &ascii, "Plain ASCII even on a UTF-8 terminal", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    if (!mctl_parse_options(ctx, &argc, &argv, entries, "FILE|ID",
                            "Draws a programme's intensity over time: percent up, time across, "
                            "the step under each stretch of time and the side of each pass. "
                            "Each column shows the highest level in its stretch; zoom on one "
                            "step with --step to see a wave's or a pulse's shape.",
                            &rc))
        return rc;
    if (!want_args(ctx, argc, argv, 1, 1, &rc))
        return rc;
    if (width != 0 && (width < MP_PLOT_MIN_WIDTH || width > MP_PLOT_MAX_WIDTH))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--width must be %d to %d", MP_PLOT_MIN_WIDTH,
                         MP_PLOT_MAX_WIDTH);
    if (height < 2 || height > MP_PLOT_MAX_HEIGHT)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--height must be 2 to %d",
                         MP_PLOT_MAX_HEIGHT);
    if (side && !step)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Give the step too: --step ID --side SIDE.",
                         "--side needs --step");
    const char *origin = NULL;
    g_autoptr(MpProgramme) p = load_one(ctx, argv[1], &origin, &rc);
    if (!p)
        return rc;
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    const MpTimelineEntry *zoom = step ? find_entry(ctx, tl, step, side, &rc) : NULL;
    if (step && !zoom)
        return rc;
    MpPlotOptions o = {
        .width = width ? (guint)width : CLAMP(default_width(ctx), MP_PLOT_MIN_WIDTH, 160),
        .height = (guint)height,
        .utf8 = ctx->utf8 && !ascii,
        .from_ms = zoom ? zoom->start_ms : 0,
        .to_ms = zoom ? zoom->end_ms : 0,
    };
    g_autofree char *chart = mp_plot_render(tl, &o);
    g_autofree char *total =
        mp_plot_format_span(zoom ? zoom->end_ms - zoom->start_ms : mp_timeline_duration(tl));

    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        mctl_json_add_string(b, "programme", argv[1]);
        mctl_json_add_string(b, "name", p->name);
        add_int(b, "duration_ms", (gint64)mp_timeline_duration(tl));
        add_int(b, "width", o.width);
        add_int(b, "height", o.height);
        if (zoom) {
            add_int(b, "step", zoom->index);
            mctl_json_add_string(b, "step_id", zoom->step->id);
            mctl_json_add_string(b, "side",
                                 zoom->side == MP_SIDE_NONE ? NULL : mp_side_to_string(zoom->side));
            add_int(b, "start_ms", (gint64)zoom->start_ms);
        }
        json_builder_set_member_name(b, "utf8");
        json_builder_add_boolean_value(b, o.utf8);
        mctl_json_add_string(b, "chart", chart);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else if (zoom) {
        g_autofree char *at = mp_plot_format_span(zoom->start_ms);
        printf("%s: step %u, %s%s%s (%s from %s)\n%s", p->name, zoom->index + 1, zoom->step->name,
               zoom->side == MP_SIDE_NONE ? "" : ", ",
               zoom->side == MP_SIDE_NONE ? "" : mp_side_to_string(zoom->side), total, at, chart);
    } else {
        printf("%s (%s)\n%s", p->name, total, chart);
    }
    return MCTL_EXIT_OK;
}

/* --------------------------------------------------------------------- list */

static int cmd_list(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    name_command(argv, "programme list");
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "",
                            "Lists the programmes massaged offers, built-in and imported, each "
                            "marked: id, total duration, origin, name and summary. Without a "
                            "running massaged (or with --data-dir) it lists the built-ins in "
                            "the data directory, and says so.",
                            &rc))
        return rc;
    if (!want_args(ctx, argc, argv, 0, 0, &rc))
        return rc;
    g_autoptr(MctlProgrammeSource) src = mctl_programme_source_new(ctx);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) listed = mctl_programme_source_list(src, diags, &error);
    if (!listed && mctl_programme_source_is_daemon(src))
        return mctl_fail_dbus(ctx, error, "cannot list massaged's programmes");
    if (!listed)
        return mctl_fail(ctx, MCTL_EXIT_NOT_FOUND,
                         "Give the data directory with --data-dir or MASSAGED_DATA_DIR, or start "
                         "massaged.",
                         "cannot list programmes from %s: %s", mctl_programme_source_describe(src),
                         error->message);
    /* A broken built-in is a packaging bug: say so, list the rest. */
    if (!ctx->json)
        print_diagnostics(diags, stderr);

    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "programmes");
        json_builder_begin_array(b);
        for (guint i = 0; i < listed->len; i++) {
            const MctlProgrammeInfo *l = g_ptr_array_index(listed, i);
            json_builder_begin_object(b);
            mctl_json_add_string(b, "id", l->id);
            mctl_json_add_string(b, "name", l->name);
            mctl_json_add_string(b, "summary", l->summary);
            add_int(b, "duration_ms", (gint64)l->duration_ms);
            mctl_json_add_string(b, "kind", l->kind);
            json_builder_set_member_name(b, "sides");
            json_builder_begin_array(b);
            for (guint k = 0; l->sides[k]; k++)
                json_builder_add_string_value(b, l->sides[k]);
            json_builder_end_array(b);
            mctl_json_add_string(b, "origin", l->origin);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        /* Where the list came from: "data-dir" means imported ones may be missing. */
        mctl_json_add_string(b, "source", mctl_programme_source_kind(src));
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        int w_id = 2;
        for (guint i = 0; i < listed->len; i++)
            w_id = MAX(w_id, (int)strlen(((MctlProgrammeInfo *)g_ptr_array_index(listed, i))->id));
        printf("%-*s  %-7s %-8s  %s\n", w_id, "ID", "LENGTH", "ORIGIN", "NAME: SUMMARY");
        for (guint i = 0; i < listed->len; i++) {
            const MctlProgrammeInfo *l = g_ptr_array_index(listed, i);
            g_autofree char *span = mp_plot_format_span(l->duration_ms);
            printf("%-*s  %-7s %-8s  %s%s%s\n", w_id, l->id, span, l->origin, l->name,
                   l->summary ? ": " : "", l->summary ? l->summary : "");
        }
        /* Offline the list may lack imported programmes: the one place that matters. */
        if (!mctl_programme_source_is_daemon(src))
            fprintf(stderr, "%s: listed from %s\n", ctx->prog, mctl_programme_source_describe(src));
    }
    if (diags->len && mp_diagnostics_have_errors(diags))
        return mctl_fail(ctx, MCTL_EXIT_INVALID, NULL, "some programmes in %s are invalid",
                         mctl_programme_source_describe(src));
    return MCTL_EXIT_OK;
}

/* ---------------------------------------------------------------- the table */

static const MctlCommand programme_commands[] = {
    {"list", "", "Built-in and imported programmes: id, length, origin, name", cmd_list},
    {"show", "FILE|ID", "Steps, times per muscle and side", cmd_show},
    {"plot", "FILE|ID [--width N] [--step ID|N [--side S]] [--ascii]",
     "Intensity over time as a chart", cmd_plot},
    {"validate", "FILE...", "Check files against the format and safety rules (offline)",
     cmd_validate},
    {"import", "FILE", "Store a programme in the daemon", mctl_cmd_programme_import},
    {"export", "ID [-o FILE]", "Print a programme's text (built-in or imported) from the daemon",
     mctl_cmd_programme_export},
    {"remove", "ID", "Remove an imported programme from the daemon", mctl_cmd_programme_remove},
    {NULL, NULL, NULL, NULL},
};

int mctl_cmd_programme(MctlContext *ctx, int argc, char **argv)
{
    return mctl_run_table(ctx, "programme", programme_commands, argc, argv);
}
