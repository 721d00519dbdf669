/* The live view of a session. The daemon pushes changes only (no timer), so
 * the view computes progress locally from StepStartedAt and TimeScale, and
 * redraws on a local 250 ms timer while on a terminal.
 *
 * Redrawing in place means moving the cursor up over the last frame, which
 * only works if every line of the frame is exactly one screen row: so each
 * line is fitted to the terminal's width (display width, as GLib measures
 * wide and zero-width characters), the prompt wrapped, the rest cut with an
 * ellipsis, and the frame kept shorter than the screen. When the width
 * changes, the terminal may have re-wrapped what is on screen, so the view
 * clears the screen and starts again at its top. */
#include <glib-unix.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/follow.h"
#include "common/names.h"
#include "protocol/timeline.h"

typedef struct {
    MctlContext *ctx;
    MctlClient *client;
    MsdSession1 *session;
    MpTimeline *timeline; /* parsed locally for step lengths; NULL if it does not fit */
    GMainLoop *loop;
    char *finish_reason;
    char *finish_detail;
    gboolean wait_only; /* --wait: no live view, Ctrl-C leaves the session alone */
    gboolean interrupted;
    guint drawn_lines; /* rows of the last in-place frame */
    guint cols, rows;  /* the terminal's size when it was drawn */
    guint last_step;
    char *last_state;
    char *last_pause_reason;
    char *last_step_name; /* the step is known once it has a name ("starting" has none) */
    double time_scale;
} Follow;

int mctl_exit_for_wait_outcome(const char *outcome)
{
    if (g_strcmp0(outcome, "completed") == 0)
        return MCTL_EXIT_OK;
    if (g_strcmp0(outcome, "stopped") == 0 || g_strcmp0(outcome, "caller-vanished") == 0)
        return MCTL_EXIT_STOPPED;
    if (g_strcmp0(outcome, "device-lost") == 0)
        return MCTL_EXIT_DEVICE_LOST;
    if (g_strcmp0(outcome, "shutdown") == 0 || g_strcmp0(outcome, "daemon-vanished") == 0)
        return MCTL_EXIT_SHUTDOWN;
    return MCTL_EXIT_SESSION_ERROR;
}

/* Programme time into the current step, in ms, computed now. */
static guint64 step_elapsed_ms(Follow *f)
{
    guint64 started = msd_session1_get_step_started_at(f->session);
    if (!started || g_strcmp0(msd_session1_get_state(f->session), "playing") != 0) {
        /* Paused: Elapsed is exactly where it stands. */
        const MpTimelineEntry *e =
            f->timeline ? mp_timeline_entry(f->timeline, msd_session1_get_step(f->session)) : NULL;
        guint64 el = msd_session1_get_elapsed(f->session);
        return e && el >= e->start_ms ? el - e->start_ms : 0;
    }
    gint64 now = g_get_real_time();
    if (now <= (gint64)started)
        return 0;
    return (guint64)((double)(now - (gint64)started) / 1000.0 * f->time_scale);
}

/* Columns a string takes on screen: escape sequences take none, wide (East
 * Asian) characters two, combining marks none. */
static guint display_width(const char *s)
{
    guint w = 0;
    for (const char *p = s; *p;) {
        if (*p == '\033') { /* CSI: ESC [ params final */
            p++;
            if (*p == '[')
                for (p++; *p && !(*p >= 0x40 && *p <= 0x7e); p++)
                    ;
            if (*p)
                p++;
            continue;
        }
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            w++, p++;
            continue;
        }
        w += g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
        p = g_utf8_next_char(p);
    }
    return w;
}

/* Appends line cut to at most width columns, an ellipsis where it was cut. */
static void append_fitted(GString *out, Follow *f, const char *line, guint width)
{
    if (display_width(line) <= width) {
        g_string_append(out, line);
        return;
    }
    const char *ellipsis = f->ctx->utf8 ? "…" : "~";
    guint budget = width > 1 ? width - 1 : 0, used = 0;
    const char *p = line;
    while (*p) {
        const char *next = g_utf8_next_char(p);
        g_autofree char *one = g_strndup(p, next - p);
        guint w = *p == '\033' ? 0 : display_width(one);
        if (*p == '\033') { /* keep styles whole */
            const char *q = p + 1;
            if (*q == '[')
                for (q++; *q && !(*q >= 0x40 && *q <= 0x7e); q++)
                    ;
            next = *q ? q + 1 : q;
        } else if (used + w > budget) {
            break;
        }
        g_string_append_len(out, p, next - p);
        used += w;
        p = next;
    }
    g_string_append(out, ellipsis);
    if (f->ctx->color)
        g_string_append(out, "\033[0m");
}

/* Appends text word-wrapped to lines of at most width columns, each line
 * starting with indent; at most max_lines lines, the last one cut with an
 * ellipsis if the text goes on. Returns the lines appended. */
static guint append_wrapped(GString *out, Follow *f, const char *indent, const char *text,
                            guint width, guint max_lines)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t\n", -1);
    g_autoptr(GString) line = g_string_new(indent);
    gsize base = line->len;
    guint lines = 0;
    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        if (line->len > base && lines + 1 < max_lines &&
            display_width(line->str) + 1 + display_width(*w) > width) {
            append_fitted(out, f, line->str, width);
            g_string_append_c(out, '\n');
            lines++;
            g_string_truncate(line, base);
        }
        if (line->len > base)
            g_string_append_c(line, ' ');
        g_string_append(line, *w);
    }
    append_fitted(out, f, line->str, width);
    g_string_append_c(out, '\n');
    return lines + 1;
}

/* "biceps-femoris · left · mid" without the parts a rest step lacks. */
static char *where(MsdSession1 *s, const char *sep)
{
    const char *parts[] = {msd_session1_get_muscle(s), msd_session1_get_side(s),
                           msd_session1_get_zone(s)};
    g_autoptr(GString) out = g_string_new(NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
        if (!parts[i] || !*parts[i] || g_str_equal(parts[i], "none"))
            continue;
        if (out->len)
            g_string_append(out, sep);
        g_string_append(out, parts[i]);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void terminal_size(guint *cols, guint *rows)
{
    struct winsize ws = {0};
    *cols = 80;
    *rows = 24;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row > 0 ? ws.ws_row : 24;
    }
}

static void bar(GString *out, Follow *f, double fraction, guint width)
{
    fraction = CLAMP(fraction, 0.0, 1.0);
    guint full = (guint)(fraction * width + 0.5);
    g_string_append_c(out, '[');
    for (guint i = 0; i < width; i++)
        g_string_append(out, i < full ? (f->ctx->utf8 ? "█" : "#") : (f->ctx->utf8 ? "░" : "."));
    g_string_append_c(out, ']');
}

/* One line of the frame, fitted to width. */
static void frame_line(GString *out, Follow *f, guint width, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static void frame_line(GString *out, Follow *f, guint width, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    append_fitted(out, f, line, width);
    g_string_append_c(out, '\n');
}

/* The frame, every line at most width columns and at most max_rows lines. */
static void render_frame(Follow *f, GString *out, guint width, guint max_rows)
{
    MsdSession1 *s = f->session;
    guint step = msd_session1_get_step(s);
    const MpTimelineEntry *e = f->timeline ? mp_timeline_entry(f->timeline, step) : NULL;
    guint64 into = step_elapsed_ms(f);
    guint64 step_len = e ? e->end_ms - e->start_ms : 0;
    if (step_len && into > step_len)
        into = step_len;
    guint64 total = msd_session1_get_duration(s);
    guint64 done = e ? e->start_ms + into : msd_session1_get_elapsed(s);
    const char *bold = f->ctx->color ? "\033[1m" : "";
    const char *reset = f->ctx->color ? "\033[0m" : "";
    /* The bars give way first on a narrow terminal: the words matter more. */
    guint bar_width = width > 52 ? 30 : width > 27 ? width - 22 : 5;
    g_autoptr(GString) body = g_string_new(NULL);

    frame_line(body, f, width, "%s%s%s — %s", bold, msd_session1_get_programme(s), reset,
               msd_session1_get_state(s));
    g_autofree char *why = mctl_pause_reason_words(s);
    if (why)
        append_wrapped(body, f,
                       g_strcmp0(msd_session1_get_state(s), "waiting-device") == 0
                           ? "When the device is back: "
                           : "",
                       why, width, 2);
    g_autofree char *at = where(s, " · ");
    frame_line(body, f, width, "Step %u/%u  %s%s%s%s%s", step + 1, msd_session1_get_step_count(s),
               bold, msd_session1_get_step_name(s), reset, *at ? " · " : "", at);
    const char *prompt = msd_session1_get_prompt(s);
    if (prompt && *prompt)
        append_wrapped(body, f, "  ", prompt, width, max_rows >= 12 ? 3 : 1);
    g_autofree char *a = mctl_format_ms(into), *b = mctl_format_ms(step_len);
    g_autoptr(GString) l = g_string_new("Step  ");
    bar(l, f, step_len ? (double)into / (double)step_len : 0, bar_width);
    g_string_append_printf(l, " %s / %s", a, step_len ? b : "?");
    frame_line(body, f, width, "%s", l->str);
    g_autofree char *c = mctl_format_ms(done), *d = mctl_format_ms(total),
                    *left = mctl_format_ms(total > done ? total - done : 0);
    g_string_assign(l, "Total ");
    bar(l, f, total ? (double)done / (double)total : 0, bar_width);
    g_string_append_printf(l, " %s / %s  (%s left)", c, d, left);
    frame_line(body, f, width, "%s", l->str);
    g_string_printf(l, "Intensity %3.0f%%  ", msd_session1_get_intensity(s));
    bar(l, f, msd_session1_get_intensity(s) / 100.0, bar_width > 20 ? 20 : bar_width);
    if (msd_session1_get_scale(s) != 100.0)
        g_string_append_printf(l, "  (scaled to %.0f%%)", msd_session1_get_scale(s));
    frame_line(body, f, width, "%s", l->str);

    /* Never taller than the screen: the cursor cannot move up past its top. */
    guint n = 0;
    for (const char *p = body->str; *p; p++) {
        if (*p == '\n' && ++n == max_rows) {
            g_string_append_len(out, body->str, p - body->str + 1);
            return;
        }
    }
    g_string_append(out, body->str);
}

static void draw(Follow *f)
{
    guint cols, rows;
    terminal_size(&cols, &rows);
    g_autoptr(GString) out = g_string_new(NULL);
    if (f->drawn_lines && cols == f->cols && rows == f->rows)
        g_string_append_printf(out, "\033[%uA\033[J", f->drawn_lines); /* back up and clear */
    else if (f->drawn_lines)
        g_string_append(out, "\033[H\033[J"); /* resized: the old frame may be re-wrapped */
    f->cols = cols;
    f->rows = rows;
    g_autoptr(GString) frame = g_string_new(NULL);
    /* One column spare: a line that fills the last column wraps on some
     * terminals and not on others. */
    render_frame(f, frame, cols > 1 ? cols - 1 : 1, rows > 1 ? rows - 1 : 1);
    g_string_append(out, frame->str);
    f->drawn_lines = 0;
    for (const char *p = frame->str; *p; p++)
        f->drawn_lines += *p == '\n';
    fputs(out->str, stdout);
    fflush(stdout);
}

static void emit_json(Follow *f, const char *event)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    mctl_json_event_begin(b, event, NULL);
    /* Each line is the session object, with the event's own members. */
    mctl_json_add_session_members(b, f->session, f->client);
    if (f->finish_reason) {
        json_builder_set_member_name(b, "outcome");
        json_builder_add_string_value(b, f->finish_reason);
        json_builder_set_member_name(b, "detail");
        json_builder_add_string_value(b, f->finish_detail ? f->finish_detail : "");
    }
    mctl_json_event_print(b);
}

static void emit_plain(Follow *f, const char *event)
{
    MsdSession1 *s = f->session;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *ts = g_date_time_format(now, "%H:%M:%S");
    if (g_str_equal(event, "finished")) {
        if (f->finish_detail && *f->finish_detail)
            printf("%s finished: %s: %s\n", ts, f->finish_reason, f->finish_detail);
        else
            printf("%s finished: %s\n", ts, f->finish_reason);
    } else if (g_str_equal(event, "step")) {
        /* "step 2/6 work (biceps-femoris, left, mid): Work the middle." and
         * for a rest step without a muscle: "step 3/6 rest (rest)". */
        g_autofree char *at = where(s, ", ");
        const char *prompt = msd_session1_get_prompt(s);
        printf("%s step %u/%u %s (%s)%s%s\n", ts, msd_session1_get_step(s) + 1,
               msd_session1_get_step_count(s), msd_session1_get_step_name(s), *at ? at : "rest",
               prompt && *prompt ? ": " : "", prompt && *prompt ? prompt : "");
    } else {
        /* "paused" says itself in the words ("paused: the device stopped
         * itself ..."); waiting for the device, they say how it comes back. */
        const char *state = msd_session1_get_state(s);
        g_autofree char *why = mctl_pause_reason_words(s);
        if (why && g_strcmp0(state, "paused") == 0)
            printf("%s %s\n", ts, why);
        else if (why)
            printf("%s %s; when the device is back: %s\n", ts, state, why);
        else
            printf("%s %s\n", ts, state);
    }
    fflush(stdout);
}

/* Something changed: decide what kind of event it is and show it. */
static void on_change(Follow *f)
{
    const char *state = msd_session1_get_state(f->session);
    guint step = msd_session1_get_step(f->session);
    if (f->wait_only)
        return; /* --wait shows the end only */
    if (g_strcmp0(state, "finished") == 0)
        return; /* on_finished shows the end, with its reason */
    const char *why = msd_session1_get_pause_reason(f->session);
    /* A new pause reason (a person's pause became the device's own stop) is
     * a state event too: it changes what the person must do. */
    gboolean state_changed =
        g_strcmp0(state, f->last_state) != 0 || g_strcmp0(why, f->last_pause_reason) != 0;
    const char *event = "update";
    if (state_changed)
        event = "state";
    else if (step != f->last_step)
        event = "step";
    const char *step_name = msd_session1_get_step_name(f->session);
    gboolean step_changed =
        (step != f->last_step || g_strcmp0(step_name, f->last_step_name) != 0) && step_name &&
        *step_name;
    f->last_step = step;
    if (step_changed) {
        g_free(f->last_step_name);
        f->last_step_name = g_strdup(step_name);
    }
    g_free(f->last_state);
    f->last_state = g_strdup(state);
    g_free(f->last_pause_reason);
    f->last_pause_reason = g_strdup(why);

    if (f->ctx->json)
        emit_json(f, event);
    else if (f->ctx->is_tty)
        draw(f);
    else {
        /* Both can change at once (the first look: playing, step 1). */
        if (state_changed)
            emit_plain(f, "state");
        if (step_changed)
            emit_plain(f, "step");
    }
}

static void on_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                                  gpointer user_data)
{
    on_change(user_data);
}

static void on_finished(MsdSession1 *s, const char *reason, const char *detail, gpointer user_data)
{
    Follow *f = user_data;
    if (f->finish_reason)
        return;
    f->finish_reason = g_strdup(reason);
    f->finish_detail = g_strdup(detail);
    if (f->ctx->json)
        emit_json(f, "finished");
    else {
        if (f->ctx->is_tty && !f->wait_only)
            draw(f);
        emit_plain(f, "finished");
    }
    g_main_loop_quit(f->loop);
}

static void on_object_removed(GDBusObjectManager *m, GDBusObject *obj, gpointer user_data)
{
    Follow *f = user_data;
    if (g_str_equal(g_dbus_object_get_object_path(obj),
                    g_dbus_proxy_get_object_path(G_DBUS_PROXY(f->session))))
        on_finished(f->session, "stopped", "the session ended (its Finished was not seen)",
                    f); /* gone without a Finished we saw */
}

static void on_name_owner(GObject *o, GParamSpec *pspec, gpointer user_data)
{
    Follow *f = user_data;
    g_autofree char *owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(f->session));
    if (!owner && !f->finish_reason) {
        f->finish_reason = g_strdup("daemon-vanished");
        mctl_fail(f->ctx, f->wait_only ? MCTL_EXIT_SHUTDOWN : MCTL_EXIT_UNREACHABLE, NULL,
                  "massaged went away during the session");
        g_main_loop_quit(f->loop);
    }
}

static gboolean on_tick(gpointer user_data)
{
    draw(user_data);
    return G_SOURCE_CONTINUE;
}

static gboolean on_interrupt(gpointer user_data)
{
    Follow *f = user_data;
    f->interrupted = TRUE;
    if (f->wait_only) {
        /* --wait does not own the session: only this command ends. */
        g_main_loop_quit(f->loop);
        return G_SOURCE_REMOVE;
    }
    /* Stop first, explain after: the device must not keep running. */
    g_autoptr(GError) error = NULL;
    if (!msd_session1_call_stop_sync(f->session, NULL, &error))
        g_printerr("%s: stopping the session failed: %s\n", f->ctx->prog, error->message);
    if (!f->finish_reason)
        f->finish_reason = g_strdup("interrupted");
    if (!f->ctx->json)
        printf("\nStopped.\n");
    g_main_loop_quit(f->loop);
    /* Kept, and removed once at the end: a source that removed itself here
     * could not be removed again without a GLib warning. */
    return G_SOURCE_CONTINUE;
}

static gboolean on_resize(gpointer user_data)
{
    draw(user_data);
    return G_SOURCE_CONTINUE;
}

static MpTimeline *load_timeline(MctlClient *c, const char *id, guint step_count)
{
    g_autofree char *text = NULL;
    if (!msd_manager1_call_get_programme_sync(c->manager, id, &text, NULL, NULL))
        return NULL;
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(text, strlen(text), id, diags);
    if (!p)
        return NULL;
    MpTimeline *tl = mp_timeline_new(p);
    /* Options such as "side" change the timeline; then step lengths are unknown. */
    if (mp_timeline_n_entries(tl) != step_count) {
        mp_timeline_free(tl);
        return NULL;
    }
    return tl;
}

static int run_session(MctlContext *ctx, MctlClient *client, const char *session_path,
                       gboolean wait_only)
{
    g_autoptr(MsdSession1) s = mctl_client_session_at(client, session_path);
    if (!s) {
        g_autoptr(GError) error = NULL;
        s = msd_session1_proxy_new_sync(client->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                        MSD_BUS_NAME, session_path, NULL, &error);
        if (!s)
            return mctl_fail_dbus(ctx, error, "cannot follow the session");
    }
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    Follow f = {
        .ctx = ctx,
        .client = client,
        .session = s,
        .loop = loop,
        .last_step = G_MAXUINT,
        .time_scale = msd_manager1_get_time_scale(client->manager),
        .wait_only = wait_only,
    };
    if (f.time_scale <= 0)
        f.time_scale = 1;
    f.timeline =
        load_timeline(client, msd_session1_get_programme(s), msd_session1_get_step_count(s));

    gulong h1 = g_signal_connect(s, "g-properties-changed", G_CALLBACK(on_properties_changed), &f);
    gulong h2 = g_signal_connect(s, "finished", G_CALLBACK(on_finished), &f);
    gulong h3 = g_signal_connect(s, "notify::g-name-owner", G_CALLBACK(on_name_owner), &f);
    gulong h4 =
        g_signal_connect(client->objects, "object-removed", G_CALLBACK(on_object_removed), &f);
    guint sigint = g_unix_signal_add(SIGINT, on_interrupt, &f);
    guint sigterm = g_unix_signal_add(SIGTERM, on_interrupt, &f);
    guint tick = ctx->is_tty && !ctx->json && !wait_only ? g_timeout_add(250, on_tick, &f) : 0;
    guint winch = tick ? g_unix_signal_add(SIGWINCH, on_resize, &f) : 0;

    if (!msd_session1_get_state(s))
        on_finished(s, "gone", "the session ended before it could be watched",
                    &f); /* ended before we looked: no properties to show */
    else if (g_strcmp0(msd_session1_get_state(s), "finished") == 0)
        on_finished(s, msd_session1_get_outcome(s) ? msd_session1_get_outcome(s) : "completed",
                    msd_session1_get_detail(s), &f);
    else if (!wait_only)
        on_change(&f);
    if (!f.finish_reason)
        g_main_loop_run(loop);

    if (tick)
        g_source_remove(tick);
    if (winch)
        g_source_remove(winch);
    g_source_remove(sigint);
    g_source_remove(sigterm);
    g_signal_handler_disconnect(s, h1);
    g_signal_handler_disconnect(s, h2);
    g_signal_handler_disconnect(s, h3);
    g_signal_handler_disconnect(client->objects, h4);
    /* --follow and --wait share one code per outcome; only Ctrl-C is 9. */
    int rc = f.interrupted ? MCTL_EXIT_INTERRUPTED : mctl_exit_for_wait_outcome(f.finish_reason);
    g_clear_pointer(&f.timeline, mp_timeline_free);
    g_free(f.finish_reason);
    g_free(f.finish_detail);
    g_free(f.last_state);
    g_free(f.last_pause_reason);
    g_free(f.last_step_name);
    return rc;
}

int mctl_follow_session(MctlContext *ctx, MctlClient *client, const char *session_path)
{
    return run_session(ctx, client, session_path, FALSE);
}

int mctl_wait_session(MctlContext *ctx, MctlClient *client, const char *session_path)
{
    return run_session(ctx, client, session_path, TRUE);
}
