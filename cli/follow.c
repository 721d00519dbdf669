/* The live view of a session. The daemon pushes changes only (no timer), so
 * the view computes progress locally from StepStartedAt and TimeScale, and
 * redraws on a local 250 ms timer while on a terminal. */
#include <glib-unix.h>
#include <string.h>

#include "cli/follow.h"
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
    guint drawn_lines; /* lines of the last in-place frame */
    guint last_step;
    char *last_state;
    char *last_pause_reason;
    double time_scale;
} Follow;

int mctl_exit_for_finish_reason(const char *reason)
{
    if (g_strcmp0(reason, "completed") == 0)
        return MCTL_EXIT_OK;
    if (g_strcmp0(reason, "device-lost") == 0)
        return MCTL_EXIT_NOT_CONNECTED;
    if (g_strcmp0(reason, "error") == 0)
        return MCTL_EXIT_FAILURE;
    return MCTL_EXIT_INTERRUPTED; /* stopped, caller-vanished, shutdown */
}

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

static void bar(GString *out, Follow *f, double fraction, guint width)
{
    fraction = CLAMP(fraction, 0.0, 1.0);
    guint full = (guint)(fraction * width + 0.5);
    g_string_append_c(out, '[');
    for (guint i = 0; i < width; i++)
        g_string_append(out, i < full ? (f->ctx->utf8 ? "█" : "#") : (f->ctx->utf8 ? "░" : "."));
    g_string_append_c(out, ']');
}

static void render_frame(Follow *f, GString *out)
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

    g_string_append_printf(out, "%s%s%s — %s\n", bold, msd_session1_get_programme(s), reset,
                           msd_session1_get_state(s));
    g_autofree char *why = mctl_pause_reason_words(s);
    if (why)
        g_string_append_printf(out, "%s%s\n",
                               g_strcmp0(msd_session1_get_state(s), "waiting-device") == 0
                                   ? "When the device is back: "
                                   : "",
                               why);
    g_string_append_printf(out, "Step %u/%u  %s%s%s · %s · %s · %s\n", step + 1,
                           msd_session1_get_step_count(s), bold, msd_session1_get_step_name(s),
                           reset, msd_session1_get_muscle(s), msd_session1_get_side(s),
                           msd_session1_get_zone(s));
    const char *prompt = msd_session1_get_prompt(s);
    g_string_append_printf(out, "  %s\n", prompt && *prompt ? prompt : "");
    g_autofree char *a = mctl_format_ms(into), *b = mctl_format_ms(step_len);
    g_string_append(out, "Step  ");
    bar(out, f, step_len ? (double)into / (double)step_len : 0, 30);
    g_string_append_printf(out, " %s / %s\n", a, step_len ? b : "?");
    g_autofree char *c = mctl_format_ms(done), *d = mctl_format_ms(total),
                    *left = mctl_format_ms(total > done ? total - done : 0);
    g_string_append(out, "Total ");
    bar(out, f, total ? (double)done / (double)total : 0, 30);
    g_string_append_printf(out, " %s / %s  (%s left)\n", c, d, left);
    g_string_append_printf(out, "Intensity %3.0f%%  ", msd_session1_get_intensity(s));
    bar(out, f, msd_session1_get_intensity(s) / 100.0, 20);
    if (msd_session1_get_scale(s) != 100.0)
        g_string_append_printf(out, "  (scaled to %.0f%%)", msd_session1_get_scale(s));
    g_string_append_c(out, '\n');
}

static void draw(Follow *f)
{
    g_autoptr(GString) out = g_string_new(NULL);
    if (f->drawn_lines)
        g_string_append_printf(out, "\033[%uA\033[J", f->drawn_lines); /* back up and clear */
    g_autoptr(GString) frame = g_string_new(NULL);
    render_frame(f, frame);
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
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_add_string_value(b, event);
    json_builder_set_member_name(b, "time_us");
    json_builder_add_int_value(b, g_get_real_time());
    json_builder_set_member_name(b, "session");
    mctl_json_add_session(b, f->session);
    if (f->finish_reason) {
        json_builder_set_member_name(b, "reason");
        json_builder_add_string_value(b, f->finish_reason);
        json_builder_set_member_name(b, "detail");
        json_builder_add_string_value(b, f->finish_detail ? f->finish_detail : "");
    }
    json_builder_end_object(b);
    mctl_print_json_builder(b);
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
        printf("%s step %u/%u %s (%s, %s, %s) %.0f%%: %s\n", ts, msd_session1_get_step(s) + 1,
               msd_session1_get_step_count(s), msd_session1_get_step_name(s),
               msd_session1_get_muscle(s), msd_session1_get_side(s), msd_session1_get_zone(s),
               msd_session1_get_intensity(s), msd_session1_get_prompt(s));
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
    gboolean step_or_state = step != f->last_step || state_changed;
    f->last_step = step;
    g_free(f->last_state);
    f->last_state = g_strdup(state);
    g_free(f->last_pause_reason);
    f->last_pause_reason = g_strdup(why);

    if (f->ctx->json)
        emit_json(f, event);
    else if (f->ctx->is_tty)
        draw(f);
    else if (step_or_state)
        emit_plain(f, g_str_equal(event, "state") ? "state" : "step");
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
    return G_SOURCE_REMOVE;
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
                                        "org.massaged", session_path, NULL, &error);
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
    g_source_remove(sigint);
    g_source_remove(sigterm);
    g_signal_handler_disconnect(s, h1);
    g_signal_handler_disconnect(s, h2);
    g_signal_handler_disconnect(s, h3);
    g_signal_handler_disconnect(client->objects, h4);
    int rc = f.interrupted ? MCTL_EXIT_INTERRUPTED
             : wait_only   ? mctl_exit_for_wait_outcome(f.finish_reason)
             : g_strcmp0(f.finish_reason, "daemon-vanished") == 0
                 ? MCTL_EXIT_UNREACHABLE
                 : mctl_exit_for_finish_reason(f.finish_reason);
    g_clear_pointer(&f.timeline, mp_timeline_free);
    g_free(f.finish_reason);
    g_free(f.finish_detail);
    g_free(f.last_state);
    g_free(f.last_pause_reason);
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
