#include "daemon/session.h"

#include <string.h>

#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "protocol/timeline.h"

typedef enum {
    SESSION_STARTING,
    SESSION_PLAYING,
    SESSION_PAUSED,
    SESSION_WAITING_DEVICE,
    SESSION_FINISHED,
} SessionState;

struct _MsdSession {
    MsdDaemon *daemon;
    char *path;
    char *programme_id;
    MsdDevice *device;
    char *address;
    MpProgramme *programme;
    MpTimeline *timeline;
    MsdSessionOptions opts;
    GDBusObjectSkeleton *object;
    MsdSession1 *skel;
    char *caller;
    guint caller_watch;
    gboolean ended;
    guint remove_id;

    SessionState state;
    GSource *timer;
    gint64 anchor_us;  /* monotonic time of programme time 0 while playing */
    guint64 frozen_ms; /* programme time while not playing */
    guint64 start_ms;  /* the played range (the "side" option narrows it) */
    guint64 end_ms;
    gint64 last_tick_us;
    double sent_level;
    gboolean sent_valid;
    gboolean motor_on;
    guint step;
    gboolean step_valid;
    gboolean user_paused; /* Pause while waiting for the device: stay paused */
    gboolean connecting;
};

gboolean msd_session_options_parse(GVariant *options, MsdSessionOptions *out, GError **error)
{
    out->attach = FALSE;
    out->scale = 100;
    out->side = MP_SIDE_NONE;
    GVariantIter it;
    const char *key;
    GVariant *value;
    g_variant_iter_init(&it, options);
    while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
        g_autoptr(GVariant) v = value;
        if (g_str_equal(key, "attach") && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
            out->attach = g_variant_get_boolean(v);
        } else if (g_str_equal(key, "scale") && g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE)) {
            double s = g_variant_get_double(v);
            if (!(s >= 10 && s <= 100)) {
                g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                            "option \"scale\": %g is outside 10..100", s);
                return FALSE;
            }
            out->scale = s;
        } else if (g_str_equal(key, "side") && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
            const char *s = g_variant_get_string(v, NULL);
            if (g_str_equal(s, "left"))
                out->side = MP_SIDE_LEFT;
            else if (g_str_equal(s, "right"))
                out->side = MP_SIDE_RIGHT;
            else {
                g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                            "option \"side\": \"%s\" is not left or right", s);
                return FALSE;
            }
        } else if (g_str_equal(key, "attach") || g_str_equal(key, "scale") ||
                   g_str_equal(key, "side")) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "option \"%s\" has type %s; expected %s", key, g_variant_get_type_string(v),
                        g_str_equal(key, "attach")  ? "b"
                        : g_str_equal(key, "scale") ? "d"
                                                    : "s");
            return FALSE;
        } else {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "unknown option \"%s\" (known: attach, scale, side)", key);
            return FALSE;
        }
    }
    return TRUE;
}

const char *msd_session_get_path(MsdSession *s)
{
    return s->path;
}
const char *msd_session_get_programme_id(MsdSession *s)
{
    return s->programme_id;
}
GDBusObjectSkeleton *msd_session_get_object(MsdSession *s)
{
    return s->object;
}

/* ---- playback ----
 *
 * Programme time t (ms) runs from an anchor: while playing,
 * t = (now_us - anchor_us) * time_scale / 1000. The session sleeps on one
 * GSource whose ready time is the absolute CLOCK_MONOTONIC deadline of the
 * next change (mp_timeline_next_change), so there is no drift and no polling.
 * NOTE: this is the daemon's own playback loop, written because the
 * engine (daemon/engine.h) was not available; see the report. */

#define QUANTUM           1.0 /* percent: the resolution sent to devices */
#define SLEW_TICK_MS      50  /* re-evaluation period while a rise is being limited */
#define PREVIOUS_GRACE_MS 2000

static gboolean deadline_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    g_source_set_ready_time(source, -1); /* one shot until re-armed */
    return callback(user_data);
}

static GSourceFuncs deadline_funcs = {NULL, NULL, deadline_dispatch, NULL, NULL, NULL};

static guint64 programme_now(MsdSession *s)
{
    if (s->state != SESSION_PLAYING)
        return s->frozen_ms;
    gint64 real_us = g_get_monotonic_time() - s->anchor_us;
    double t = (double)MAX(real_us, 0) * s->daemon->time_scale / 1000.0;
    return (guint64)t;
}

/* The absolute monotonic time at which programme time reaches t_ms. */
static gint64 deadline_for(MsdSession *s, guint64 t_ms)
{
    return s->anchor_us + (gint64)((double)t_ms * 1000.0 / s->daemon->time_scale + 0.5);
}

static const char *session_state_name(SessionState st)
{
    static const char *const names[] = {"starting", "playing", "paused", "waiting-device",
                                        "finished"};
    return names[st];
}

static void set_session_state(MsdSession *s, SessionState st)
{
    s->state = st;
    msd_session1_set_state(s->skel, session_state_name(st));
}

static double cap(MsdSession *s)
{
    double c = s->daemon->config.safety.max_intensity;
    if (s->programme->max_intensity > 0 && s->programme->max_intensity < c)
        c = s->programme->max_intensity;
    return c;
}

/* Sends a level to the device: start/intensity/stop as the motor needs. */
static void send_level(MsdSession *s, double level)
{
    level = CLAMP(level, 0, cap(s));
    level = (double)mp_quantise(level, QUANTUM) * QUANTUM;
    if (level == s->sent_level && s->sent_valid)
        return;
    s->sent_level = level;
    s->sent_valid = TRUE;
    msd_session1_set_intensity(s->skel, level);
    if (!s->device || !msd_device_is_ready(s->device))
        return;
    MpCommand cmd;
    if (level <= 0) {
        cmd = (MpCommand){.kind = MP_CMD_STOP};
        s->motor_on = FALSE;
    } else if (!s->motor_on) {
        cmd = (MpCommand){.kind = MP_CMD_START, .value = level};
        s->motor_on = TRUE;
    } else {
        cmd = (MpCommand){.kind = MP_CMD_INTENSITY, .value = level};
    }
    msd_device_send(s->device, &cmd, NULL, NULL);
}

static void publish_step(MsdSession *s, const MpTimelineEntry *e, guint64 t)
{
    gboolean changed = !s->step_valid || s->step != e->index;
    s->step = e->index;
    s->step_valid = TRUE;
    const MpStep *st = e->step;
    msd_session1_set_step(s->skel, e->index);
    msd_session1_set_step_name(s->skel, st->name ? st->name : st->id);
    msd_session1_set_muscle(s->skel, mp_muscle_to_string(st->muscle));
    msd_session1_set_side(s->skel, mp_side_to_string(e->side));
    msd_session1_set_zone(s->skel, mp_zone_to_string(st->zone));
    msd_session1_set_prompt(s->skel, st->prompt ? st->prompt : "");
    msd_session1_set_elapsed(s->skel, t);
    if (s->state == SESSION_PLAYING) {
        /* Wall-clock start of the step, so that clients compute the time into
         * the step without a timer: (now - StepStartedAt) x TimeScale. */
        gint64 into_us = (gint64)((double)(t - e->start_ms) * 1000.0 / s->daemon->time_scale);
        msd_session1_set_step_started_at(s->skel, (guint64)(g_get_real_time() - into_us));
    } else {
        msd_session1_set_step_started_at(s->skel, 0);
    }
    if (changed) {
        msd_session_info(s->path, s->address,
                         "step %u/%u \"%s\" (%s, %s, %s) at %" G_GUINT64_FORMAT " ms", e->index + 1,
                         mp_timeline_n_entries(s->timeline), st->name ? st->name : st->id,
                         mp_muscle_to_string(st->muscle), mp_side_to_string(e->side),
                         mp_zone_to_string(st->zone), t);
        msd_session1_emit_step_changed(s->skel, e->index, st->name ? st->name : st->id);
    }
}

static void arm(MsdSession *s, gint64 deadline_us)
{
    g_source_set_ready_time(s->timer, deadline_us);
}

/* Evaluates the programme now, sends what changed, and sleeps until the
 * next change. */
static void tick(MsdSession *s)
{
    if (s->state != SESSION_PLAYING || s->ended)
        return;
    guint64 t = programme_now(s);
    if (t >= s->end_ms) {
        send_level(s, 0);
        msd_session1_set_elapsed(s->skel, s->end_ms);
        msd_session_end(s, "completed");
        return;
    }
    const MpTimelineEntry *e = mp_timeline_entry_at(s->timeline, t);
    if (!e) {
        msd_session_end(s, "completed");
        return;
    }
    publish_step(s, e, t);
    double target = mp_timeline_intensity(s->timeline, t) * s->opts.scale / 100.0;
    target = CLAMP(target, 0, cap(s));
    /* Play-time rise limit: Adjust and resume must not jump. A rise larger
     * than MaxJump is spread at MaxRisePerSecond (real time). */
    const MpSafetyLimits *lim = &s->daemon->config.safety;
    gboolean limited = FALSE;
    double level = target;
    if (s->sent_valid && target > s->sent_level + lim->max_jump && lim->max_rise_per_s > 0) {
        gint64 now = g_get_monotonic_time();
        double dt = s->last_tick_us ? (double)(now - s->last_tick_us) / 1e6 : 0;
        double base = s->sent_level > 0 ? s->sent_level : 0;
        level = MIN(target, base + MAX(lim->max_jump, lim->max_rise_per_s * dt));
        limited = level < target;
    }
    s->last_tick_us = g_get_monotonic_time();
    send_level(s, level);

    guint64 next = mp_timeline_next_change(s->timeline, t, QUANTUM * 100.0 / MAX(s->opts.scale, 1));
    if (next > s->end_ms)
        next = s->end_ms;
    gint64 deadline = deadline_for(s, next);
    if (limited)
        deadline = MIN(deadline, g_get_monotonic_time() + SLEW_TICK_MS * 1000);
    arm(s, deadline);
}

static gboolean on_timer(gpointer user_data)
{
    tick(user_data);
    return G_SOURCE_CONTINUE;
}

/* Starts (or continues) programme time at t. */
static void play_from(MsdSession *s, guint64 t)
{
    s->anchor_us = g_get_monotonic_time() - (gint64)((double)t * 1000.0 / s->daemon->time_scale);
    s->last_tick_us = 0;
    set_session_state(s, SESSION_PLAYING);
    tick(s);
}

static void freeze(MsdSession *s, SessionState st)
{
    s->frozen_ms = programme_now(s);
    arm(s, -1);
    set_session_state(s, st);
    msd_session1_set_elapsed(s->skel, s->frozen_ms);
    msd_session1_set_step_started_at(s->skel, 0);
}

/* Jumps to programme time t: playing continues from there; paused stays paused. */
static void seek(MsdSession *s, guint64 t)
{
    if (t >= s->end_ms) {
        send_level(s, 0);
        msd_session_end(s, "completed");
        return;
    }
    if (s->state == SESSION_PLAYING) {
        play_from(s, t);
        return;
    }
    s->frozen_ms = t;
    const MpTimelineEntry *e = mp_timeline_entry_at(s->timeline, t);
    if (e)
        publish_step(s, e, t);
}

/* The session may be gone when the connect finishes: look it up by path. */
typedef struct {
    MsdDaemon *daemon;
    char *path;
} SessionToken;

static void on_connected(GObject *src, GAsyncResult *res, gpointer user_data)
{
    SessionToken *tok = user_data;
    MsdSession *s = g_hash_table_lookup(tok->daemon->sessions, tok->path);
    g_autoptr(GError) error = NULL;
    gboolean ok = g_task_propagate_boolean(G_TASK(res), &error);
    g_free(tok->path);
    g_free(tok);
    if (!s)
        return;
    s->connecting = FALSE;
    if (!ok) {
        if (s->ended)
            return;
        msd_session_warning(s->path, s->address, "cannot connect: %s", error->message);
        msd_session_end(s, "error");
        return;
    }
    if (s->ended || s->state != SESSION_STARTING)
        return;
    if (s->user_paused) {
        s->frozen_ms = s->start_ms;
        set_session_state(s, SESSION_PAUSED);
        return;
    }
    play_from(s, s->start_ms);
}

void msd_session_start(MsdSession *s)
{
    if (msd_device_is_ready(s->device)) {
        play_from(s, s->start_ms);
        return;
    }
    /* The session holds the device; connecting may take a while. The
     * session stays alive meanwhile (ended sessions ignore the reply). */
    s->connecting = TRUE;
    SessionToken *tok = g_new0(SessionToken, 1);
    tok->daemon = s->daemon;
    tok->path = g_strdup(s->path);
    msd_device_connect(s->device, on_connected, tok);
}

/* ---- methods ---- */

static gboolean refuse_if_ended(MsdSession *s, GDBusMethodInvocation *inv)
{
    if (!s->ended)
        return FALSE;
    g_dbus_method_invocation_return_error_literal(inv, MSD_ERROR, MSD_ERROR_FAILED,
                                                  "the session has finished");
    return TRUE;
}

static gboolean handle_pause(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    if (s->state == SESSION_PLAYING) {
        freeze(s, SESSION_PAUSED);
        send_level(s, 0);
        msd_session_info(s->path, s->address, "paused at %" G_GUINT64_FORMAT " ms", s->frozen_ms);
    } else if (s->state == SESSION_WAITING_DEVICE || s->state == SESSION_STARTING) {
        s->user_paused = TRUE;
    }
    msd_session1_complete_pause(skel, inv);
    return TRUE;
}

static gboolean handle_resume(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    if (s->state == SESSION_WAITING_DEVICE) {
        s->user_paused = FALSE;
        g_dbus_method_invocation_return_error_literal(
            inv, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
            "the device is reconnecting; the session resumes by itself when it is back");
        return TRUE;
    }
    if (s->state == SESSION_PAUSED) {
        msd_session_info(s->path, s->address, "resumed at %" G_GUINT64_FORMAT " ms", s->frozen_ms);
        play_from(s, s->frozen_ms);
    }
    msd_session1_complete_resume(skel, inv);
    return TRUE;
}

static gboolean handle_stop(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (!s->ended)
        msd_session_end(s, "stopped");
    msd_session1_complete_stop(skel, inv);
    return TRUE;
}

static guint64 current_t(MsdSession *s)
{
    return programme_now(s);
}

static gboolean handle_next(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    const MpTimelineEntry *e = mp_timeline_entry_at(s->timeline, current_t(s));
    guint64 t = e ? e->end_ms : s->end_ms;
    msd_session_info(s->path, s->address, "next: to %" G_GUINT64_FORMAT " ms", t);
    msd_session1_complete_next(skel, inv);
    seek(s, t);
    return TRUE;
}

static gboolean handle_previous(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    guint64 now = current_t(s);
    const MpTimelineEntry *e = mp_timeline_entry_at(s->timeline, now);
    guint64 t = s->start_ms;
    if (e) {
        t = e->start_ms;
        guint64 grace = (guint64)(PREVIOUS_GRACE_MS * s->daemon->time_scale);
        if (now - e->start_ms < grace && e->index > 0) {
            const MpTimelineEntry *prev = mp_timeline_entry(s->timeline, e->index - 1);
            if (prev->start_ms >= s->start_ms)
                t = prev->start_ms;
        }
    }
    msd_session_info(s->path, s->address, "previous: to %" G_GUINT64_FORMAT " ms", t);
    msd_session1_complete_previous(skel, inv);
    seek(s, t);
    return TRUE;
}

static gboolean handle_adjust(MsdSession1 *skel, GDBusMethodInvocation *inv, gdouble pct,
                              gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    if (!(pct >= 10 && pct <= 100)) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                                              "scale %g%% is outside 10..100", pct);
        return TRUE;
    }
    s->opts.scale = pct;
    msd_session1_set_scale(s->skel, pct);
    msd_session1_complete_adjust(skel, inv);
    if (s->state == SESSION_PLAYING)
        tick(s);
    return TRUE;
}

static void session_bind_methods(MsdSession *s)
{
    g_signal_connect(s->skel, "handle-pause", G_CALLBACK(handle_pause), s);
    g_signal_connect(s->skel, "handle-resume", G_CALLBACK(handle_resume), s);
    g_signal_connect(s->skel, "handle-stop", G_CALLBACK(handle_stop), s);
    g_signal_connect(s->skel, "handle-next", G_CALLBACK(handle_next), s);
    g_signal_connect(s->skel, "handle-previous", G_CALLBACK(handle_previous), s);
    g_signal_connect(s->skel, "handle-adjust", G_CALLBACK(handle_adjust), s);
    s->timer = g_source_new(&deadline_funcs, sizeof(GSource));
    g_source_set_priority(s->timer, G_PRIORITY_HIGH);
    g_source_set_callback(s->timer, on_timer, s, NULL);
    g_source_set_ready_time(s->timer, -1);
    g_source_attach(s->timer, NULL);
}

static void session_engine_free(MsdSession *s)
{
    if (s->timer) {
        g_source_destroy(s->timer);
        g_source_unref(s->timer);
        s->timer = NULL;
    }
}

/* ---- ending ---- */

static gboolean on_remove(gpointer user_data)
{
    MsdSession *s = user_data;
    s->remove_id = 0;
    msd_daemon_remove_session(s->daemon, s); /* frees s */
    return G_SOURCE_REMOVE;
}

void msd_session_end(MsdSession *s, const char *reason)
{
    if (s->ended)
        return;
    s->ended = TRUE;
    if (s->state == SESSION_PLAYING)
        s->frozen_ms = programme_now(s);
    if (s->timer)
        g_source_set_ready_time(s->timer, -1);
    s->state = SESSION_FINISHED;
    msd_session_info(s->path, s->address, "finished: %s", reason);
    if (s->caller_watch) {
        g_bus_unwatch_name(s->caller_watch);
        s->caller_watch = 0;
    }
    if (s->device && msd_device_get_session(s->device) == s) {
        MsdDevice *dev = s->device;
        msd_device_set_session(dev, NULL, NULL);
        /* Whatever the reason, the motor stops (msd_device_stop detaches the
         * session first and sends the stop itself). */
        if (msd_device_is_ready(dev)) {
            MpCommand stop = {.kind = MP_CMD_STOP};
            msd_device_send(dev, &stop, NULL, NULL);
        }
    }
    msd_session1_set_state(s->skel, "finished");
    msd_session1_emit_finished(s->skel, reason);
    /* Give clients a moment to read the final properties before the object goes. */
    s->remove_id = g_timeout_add(1000, on_remove, s);
}

void msd_session_device_lost(MsdSession *s)
{
    if (s->ended)
        return;
    s->motor_on = FALSE;
    s->sent_valid = FALSE;
    if (s->state == SESSION_PLAYING) {
        freeze(s, SESSION_WAITING_DEVICE);
        msd_session_warning(s->path, s->address,
                            "device lost at %" G_GUINT64_FORMAT " ms: waiting for it to return",
                            s->frozen_ms);
    } else if (s->state == SESSION_PAUSED) {
        s->user_paused = TRUE;
        set_session_state(s, SESSION_WAITING_DEVICE);
    }
}

void msd_session_device_returned(MsdSession *s)
{
    if (s->ended || s->state != SESSION_WAITING_DEVICE)
        return;
    if (s->user_paused) {
        s->user_paused = FALSE;
        set_session_state(s, SESSION_PAUSED);
        msd_session_info(s->path, s->address, "device back; staying paused");
        return;
    }
    msd_session_info(s->path, s->address, "device back: resuming at %" G_GUINT64_FORMAT " ms",
                     s->frozen_ms);
    play_from(s, s->frozen_ms);
}

/* ---- attach ---- */

static void on_caller_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    MsdSession *s = user_data;
    msd_session_info(s->path, s->address, "attached caller %s left the bus", name);
    msd_session_end(s, "caller-vanished");
}

/* ---- life ---- */

MsdSession *msd_session_new(MsdDaemon *d, guint id, MsdDevice *device, MsdProgrammeEntry *entry,
                            const MsdSessionOptions *options, const char *caller, GError **error)
{
    MpProgramme *p = entry->programme;
    MpDriver *drv = msd_device_get_driver(device);
    if (p->kind != MP_KIND_ANY && p->kind != drv->kind) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME,
                    "programme \"%s\" is for %s devices; %s is a %s device", entry->id,
                    mp_device_kind_to_string(p->kind), msd_device_get_address(device),
                    mp_device_kind_to_string(drv->kind));
        return NULL;
    }
    MsdSession *s = g_new0(MsdSession, 1);
    s->daemon = d;
    s->path = g_strdup_printf("/org/massaged/session/%u", id);
    s->programme_id = g_strdup(entry->id);
    s->device = device;
    s->address = g_strdup(msd_device_get_address(device));
    s->programme = mp_programme_ref(p);
    s->timeline = mp_timeline_new(p);
    s->opts = *options;
    s->caller = g_strdup(caller);
    s->state = SESSION_STARTING;
    s->start_ms = 0;
    s->end_ms = mp_timeline_duration(s->timeline);
    if (s->opts.side != MP_SIDE_NONE) {
        /* Only that side's pass: from its first entry to its last. */
        gboolean found = FALSE;
        for (guint i = 0; i < mp_timeline_n_entries(s->timeline); i++) {
            const MpTimelineEntry *e = mp_timeline_entry(s->timeline, i);
            if ((int)e->side != s->opts.side)
                continue;
            if (!found)
                s->start_ms = e->start_ms;
            s->end_ms = e->end_ms;
            found = TRUE;
        }
        if (!found) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, "programme \"%s\" has no %s side",
                        entry->id, mp_side_to_string((MpSide)s->opts.side));
            msd_session_free(s);
            return NULL;
        }
    }
    s->frozen_ms = s->start_ms;

    s->skel = msd_session1_skeleton_new();
    msd_session1_set_programme(s->skel, entry->id);
    msd_session1_set_device(s->skel, msd_device_get_path(device));
    msd_session1_set_state(s->skel, "starting");
    msd_session1_set_step_count(s->skel, mp_timeline_n_entries(s->timeline));
    msd_session1_set_duration(s->skel, mp_timeline_duration(s->timeline));
    msd_session1_set_scale(s->skel, s->opts.scale);
    s->object = g_dbus_object_skeleton_new(s->path);
    g_dbus_object_skeleton_add_interface(s->object, G_DBUS_INTERFACE_SKELETON(s->skel));
    session_bind_methods(s);

    if (s->opts.attach && caller)
        s->caller_watch = g_bus_watch_name_on_connection(
            d->conn, caller, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, on_caller_vanished, s, NULL);
    msd_device_set_session(device, s, s->path);
    msd_session_info(s->path, s->address, "programme \"%s\" on %s (scale %g%%%s), caller %s",
                     entry->id, msd_device_get_path(device), s->opts.scale,
                     s->opts.attach ? ", attached" : "", caller ? caller : "?");
    return s;
}

void msd_session_free(MsdSession *s)
{
    if (!s)
        return;
    if (s->device && msd_device_get_session(s->device) == s)
        msd_device_set_session(s->device, NULL, NULL);
    if (s->caller_watch)
        g_bus_unwatch_name(s->caller_watch);
    g_clear_handle_id(&s->remove_id, g_source_remove);
    session_engine_free(s);
    if (s->skel)
        g_signal_handlers_disconnect_by_data(s->skel, s);
    g_clear_object(&s->skel);
    g_clear_object(&s->object);
    mp_timeline_free(s->timeline);
    mp_programme_unref(s->programme);
    g_free(s->path);
    g_free(s->programme_id);
    g_free(s->address);
    g_free(s->caller);
    g_free(s);
}
