#include "daemon/session.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "common/names.h"
#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/engine.h"
#include "protocol/timeline.h"

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
    MsdEngine *engine; /* daemon/engine.h plays the timeline */
    gboolean started;
    gboolean ended;
    char *end_reason; /* ours, when we end it (stopped, caller-vanished, shutdown...) */
    char *end_detail; /* words for Finished's detail, when we know better than the engine */
    GDBusMethodInvocation *start_inv; /* Manager1.Start, answered once it plays or fails */
    MsdError start_error;             /* the code Start fails with when the session ends first */
    guint remove_id;

    /* For the history row (daemon/history.h). */
    gint64 history_id; /* 0 until written */
    gint64 requested_us;
    char *programme_name;
    char *programme_hash;
    char *device_name;
    char *driver;
    gint64 caller_uid; /* -1 until the bus has told us */
    char *caller_name;
    double peak;
    guint8 *entered; /* per timeline entry: it was played */
    guint steps_played;
    GString *adjustments;
};

void msd_session_options_clear(MsdSessionOptions *o)
{
    g_clear_pointer(&o->client, g_free);
    g_clear_pointer(&o->note, g_free);
}

/* A label or note for the history: bounded, UTF-8, no control characters
 * (a note may have line breaks and tabs). */
static gboolean check_text(const char *key, const char *v, gsize max, gboolean multiline,
                           GError **error)
{
    gsize len = strlen(v);
    if (len == 0 || len > max) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                    "option \"%s\": %zu bytes; it must have 1 to %zu", key, len, max);
        return FALSE;
    }
    if (!g_utf8_validate(v, -1, NULL)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, "option \"%s\" is not UTF-8", key);
        return FALSE;
    }
    for (const char *p = v; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_iscntrl(c) && !(multiline && (c == '\n' || c == '\t'))) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "option \"%s\" has a control character (U+%04X) at byte %td", key, c,
                        p - v);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean parse_option(const char *key, GVariant *v, MsdSessionOptions *out, GError **error);

gboolean msd_session_options_parse(GVariant *options, MsdSessionOptions *out, GError **error)
{
    out->attach = FALSE;
    out->scale = 100;
    out->side = MP_SIDE_NONE;
    out->client = NULL;
    out->note = NULL;
    GVariantIter it;
    const char *key;
    GVariant *value;
    g_variant_iter_init(&it, options);
    while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
        g_autoptr(GVariant) v = value;
        if (!parse_option(key, v, out, error)) {
            msd_session_options_clear(out);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean parse_option(const char *key, GVariant *v, MsdSessionOptions *out, GError **error)
{
    {
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
        } else if ((g_str_equal(key, "client") || g_str_equal(key, "note")) &&
                   g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
            gboolean is_client = g_str_equal(key, "client");
            const char *text = g_variant_get_string(v, NULL);
            if (!check_text(key, text, is_client ? MSD_HISTORY_CLIENT_MAX : MSD_HISTORY_NOTE_MAX,
                            !is_client, error))
                return FALSE;
            char **dst = is_client ? &out->client : &out->note;
            g_free(*dst);
            *dst = g_strdup(text);
        } else if (g_str_equal(key, "attach") || g_str_equal(key, "scale") ||
                   g_str_equal(key, "side") || g_str_equal(key, "client") ||
                   g_str_equal(key, "note")) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "option \"%s\" has type %s; expected %s", key, g_variant_get_type_string(v),
                        g_str_equal(key, "attach")  ? "b"
                        : g_str_equal(key, "scale") ? "d"
                                                    : "s");
            return FALSE;
        } else {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "unknown option \"%s\" (known: attach, scale, side, client, note)", key);
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
gboolean msd_session_is_ended(MsdSession *s)
{
    return s->ended;
}

GDBusObjectSkeleton *msd_session_get_object(MsdSession *s)
{
    return s->object;
}

/* ---- the engine's sink and events ---- */

/* The session drives the device only while the device names it as its
 * session: msd_device_stop() detaches first and sends its own stop. */
static gboolean owns_device(MsdSession *s)
{
    return s->device && msd_device_get_session(s->device) == s;
}

/* Every level goes through the device's motion gate, which applies the
 * start, jump and rise rules again to what reaches the motor; `step_edge`
 * tells it where the programme allows a jump (engine.h). */
static void sink_set_intensity(MsdEngine *e, double percent, gboolean step_edge, gpointer user_data)
{
    MsdSession *s = user_data;
    s->peak = MAX(s->peak, percent);
    msd_session1_set_intensity(s->skel, percent);
    if (owns_device(s) && msd_device_is_ready(s->device))
        msd_device_set_level(s->device, percent, step_edge);
}

static void sink_stop(MsdEngine *e, gpointer user_data)
{
    MsdSession *s = user_data;
    msd_session1_set_intensity(s->skel, 0);
    if (owns_device(s) && msd_device_is_ready(s->device)) {
        MpCommand cmd = {.kind = MP_CMD_STOP};
        msd_device_send(s->device, &cmd, NULL, NULL);
    }
}

/* Elapsed and StepStartedAt: programme position now, and the wall-clock
 * start of the step so clients compute progress without a timer. */
static void publish_time(MsdSession *s)
{
    msd_session1_set_elapsed(s->skel, msd_engine_get_position(s->engine));
    gint64 started = msd_engine_get_entry_started_at(s->engine);
    if (msd_engine_get_state(s->engine) != MSD_ENGINE_PLAYING || started == 0) {
        msd_session1_set_step_started_at(s->skel, 0);
        return;
    }
    gint64 ago = msd_clock_now(s->daemon->clock) - started;
    msd_session1_set_step_started_at(s->skel, (guint64)(g_get_real_time() - ago));
}

static void on_step_changed(MsdEngine *e, const MpTimelineEntry *entry, gpointer user_data)
{
    MsdSession *s = user_data;
    const MpStep *st = entry->step;
    const char *name = st->name ? st->name : st->id;
    if (entry->index < mp_timeline_n_entries(s->timeline) && !s->entered[entry->index]) {
        s->entered[entry->index] = 1;
        s->steps_played++;
    }
    msd_session1_set_step(s->skel, entry->index);
    msd_session1_set_step_name(s->skel, name);
    msd_session1_set_muscle(s->skel, mp_muscle_to_string(st->muscle));
    msd_session1_set_side(s->skel, mp_side_to_string(entry->side));
    msd_session1_set_zone(s->skel, mp_zone_to_string(st->zone));
    msd_session1_set_prompt(s->skel, st->prompt ? st->prompt : "");
    publish_time(s);
    msd_session_info(
        s->path, s->address, "step %u/%u \"%s\" (%s, %s, %s) at %" G_GUINT64_FORMAT " ms",
        entry->index + 1, mp_timeline_n_entries(s->timeline), name, mp_muscle_to_string(st->muscle),
        mp_side_to_string(entry->side), mp_zone_to_string(st->zone), msd_engine_get_position(e));
    msd_session1_emit_step_changed(s->skel, entry->index, name);
}

/* PauseReason: why a person's Resume is needed (engine.h); "" otherwise. */
static void publish_pause_reason(MsdSession *s)
{
    msd_session1_set_pause_reason(
        s->skel, msd_pause_reason_to_string(msd_engine_get_pause_reason(s->engine)));
}

static void on_state_changed(MsdEngine *e, MsdEngineState state, gpointer user_data)
{
    MsdSession *s = user_data;
    msd_session1_set_state(s->skel, state == MSD_ENGINE_IDLE ? "starting"
                                                             : msd_engine_state_to_string(state));
    publish_pause_reason(s);
    publish_time(s);
    if (state == MSD_ENGINE_PAUSED || state == MSD_ENGINE_WAITING_DEVICE)
        msd_session_info(s->path, s->address, "%s at %" G_GUINT64_FORMAT " ms",
                         msd_engine_state_to_string(state), msd_engine_get_position(e));
}

/* ---- the history row ---- */

static void history_start_of(MsdSession *s, MsdHistoryStart *h)
{
    *h = (MsdHistoryStart){
        .programme_id = s->programme_id,
        .programme_name = s->programme_name,
        .programme_hash = s->programme_hash,
        .device_address = s->address,
        .device_name = s->device_name,
        .driver = s->driver,
        .started_us = s->requested_us,
        .steps_total = mp_timeline_n_entries(s->timeline),
        .caller_uid = s->caller_uid,
        .caller_name = s->caller_name,
        .client = s->opts.client,
        .note = s->opts.note,
    };
}

/* What a person changed while it played, for the history: "12.0s adjust 80%". */
static void note_adjustment(MsdSession *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note_adjustment(MsdSession *s, const char *fmt, ...)
{
    if (s->adjustments->len > 4000)
        return; /* bounded: a row stays small */
    if (s->adjustments->len)
        g_string_append(s->adjustments, "; ");
    g_string_append_printf(s->adjustments, "%.1fs ",
                           (double)msd_engine_get_position(s->engine) / 1000.0);
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(s->adjustments, fmt, ap);
    va_end(ap);
}

/* The caller's uid from the bus (its credentials, not its word), asked
 * without blocking; it usually arrives before the first frame, and the end
 * of the row writes it if it came later. */
typedef struct {
    MsdDaemon *daemon;
    char *path;
} UidToken;

static void on_caller_uid(GObject *src, GAsyncResult *res, gpointer user_data)
{
    UidToken *tok = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
    MsdSession *s = g_hash_table_lookup(tok->daemon->sessions, tok->path);
    g_free(tok->path);
    g_free(tok);
    if (!s || !r)
        return;
    guint32 uid = 0;
    g_variant_get(r, "(u)", &uid);
    s->caller_uid = uid;
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
        s->caller_name = g_strdup(found->pw_name);
}

static void ask_caller_uid(MsdSession *s)
{
    if (!s->caller || !s->daemon->conn)
        return;
    UidToken *tok = g_new0(UidToken, 1);
    tok->daemon = s->daemon;
    tok->path = g_strdup(s->path);
    g_dbus_connection_call(s->daemon->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "GetConnectionUnixUser",
                           g_variant_new("(s)", s->caller), G_VARIANT_TYPE("(u)"),
                           G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_caller_uid, tok);
}

static void history_begin(MsdSession *s)
{
    if (!s->daemon->history || s->history_id)
        return;
    MsdHistoryStart h;
    history_start_of(s, &h);
    s->history_id = msd_history_begin(s->daemon->history, &h);
}

static void history_end(MsdSession *s, const char *outcome, const char *detail)
{
    if (!s->daemon->history)
        return;
    MsdHistoryStart h;
    history_start_of(s, &h);
    MsdHistoryEnd e = {
        .ended_us = g_get_real_time(),
        .outcome = outcome,
        .detail = detail,
        .steps_played = s->steps_played,
        .peak_intensity = s->peak,
        .adjustments = s->adjustments->str,
        .caller_uid = s->caller_uid,
        .caller_name = s->caller_name,
    };
    msd_history_end(s->daemon->history, s->history_id, &h, &e);
}

/* Manager1.Start's answer: the session plays (error NULL), or it ended
 * before it did. Once only. */
static void answer_start(MsdSession *s, const GError *error)
{
    GDBusMethodInvocation *inv = g_steal_pointer(&s->start_inv);
    if (!inv)
        return;
    if (error)
        msd_error_return(inv, error);
    else
        msd_manager1_complete_start(s->daemon->manager, inv, s->path);
}

/* Finished's detail when nothing more specific was said. */
static char *default_detail(MsdSession *s, const char *outcome, const char *message)
{
    if (message)
        return msd_error_in_words(message);
    if (g_str_equal(outcome, "completed"))
        return g_strdup_printf("played all %u steps", mp_timeline_n_entries(s->timeline));
    if (g_str_equal(outcome, "stopped"))
        return g_strdup("stopped by a stop request (Stop, Device1.Stop or StopAll)");
    if (g_str_equal(outcome, "shutdown"))
        return g_strdup("massaged is shutting down");
    if (g_str_equal(outcome, "device-lost"))
        return g_strdup_printf("%s did not come back within the reconnect window", s->address);
    return g_strdup(outcome);
}

static gboolean on_remove(gpointer user_data)
{
    MsdSession *s = user_data;
    s->remove_id = 0;
    msd_daemon_remove_session(s->daemon, s); /* frees s */
    return G_SOURCE_REMOVE;
}

/* The end, whatever its cause: the engine already sent the stop through the
 * sink (or msd_device_stop sends it). */
static void on_finished(MsdEngine *e, MsdFinishReason reason, const char *message,
                        gpointer user_data)
{
    MsdSession *s = user_data;
    const char *why = s->end_reason ? s->end_reason : msd_finish_reason_to_string(reason);
    s->ended = TRUE;
    g_autofree char *detail =
        s->end_detail ? g_strdup(s->end_detail) : default_detail(s, why, message);
    if (message)
        msd_session_warning(s->path, s->address, "finished: %s (%s)", why, detail);
    else
        msd_session_info(s->path, s->address, "finished: %s (%s)", why, detail);
    if (s->start_inv) {
        /* It never played: Start fails, with the same words. */
        g_autoptr(GError) failed = g_error_new(
            MSD_ERROR, g_str_equal(why, "error") ? s->start_error : MSD_ERROR_FAILED, "%s", detail);
        answer_start(s, failed);
    }
    if (s->caller_watch) {
        g_bus_unwatch_name(s->caller_watch);
        s->caller_watch = 0;
    }
    if (owns_device(s))
        msd_device_set_session(s->device, NULL, NULL);
    publish_time(s);
    history_end(s, why, detail);
    msd_session1_set_outcome(s->skel, why);
    msd_session1_set_detail(s->skel, detail);
    msd_session1_set_state(s->skel, "finished");
    /* The final properties reach clients before Finished does, so a client
     * that prints its record on Finished prints the final one. */
    g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(s->skel));
    msd_session1_emit_finished(s->skel, why, detail);
    /* Give clients a moment to read the final properties before the object goes. */
    s->remove_id = g_timeout_add(1000, on_remove, s);
}

void msd_session_end(MsdSession *s, const char *reason)
{
    if (s->ended)
        return;
    if (!s->end_reason)
        s->end_reason = g_strdup(reason);
    /* -> sink stop -> on_finished. "device-lost" comes from the device's
     * link, which owns the only reconnect window. */
    if (g_strcmp0(reason, "device-lost") == 0)
        msd_engine_device_gone(s->engine, "the device did not come back within the reconnect "
                                          "window");
    else
        msd_engine_stop(s->engine);
}

void msd_session_device_lost(MsdSession *s)
{
    if (!s->ended && s->started)
        msd_engine_device_lost(s->engine);
}

void msd_session_device_returned(MsdSession *s)
{
    if (!s->ended && s->started)
        msd_engine_device_back(s->engine);
}

void msd_session_device_stopped(MsdSession *s, const char *why)
{
    if (s->ended)
        return;
    if (!s->started) {
        /* Still connecting: nothing has moved the motor yet, and the start
         * itself is a person's request. */
        msd_session_info(s->path, s->address, "the device reports it stopped (%s) before the start",
                         why);
        return;
    }
    MsdEngineState before = msd_engine_get_state(s->engine);
    /* Pauses as a person's Pause would (the sink's stop goes out); only a
     * person's Resume moves the motor again, with the soft restart. */
    msd_engine_device_stopped(s->engine);
    publish_pause_reason(s);
    msd_session_warning(s->path, s->address,
                        "the device stopped by itself (%s): %s at %" G_GUINT64_FORMAT
                        " ms; nothing moves it until a person resumes",
                        why, before == MSD_ENGINE_PLAYING ? "paused" : "stays still",
                        msd_engine_get_position(s->engine));
}

/* ---- starting ---- */

/* The device is ready: the engine starts and hands the first level to the
 * device's motion gate at once (engine.h), so by the time it returns the
 * first frame is queued on the device's writer; Start is answered then. */
static void play(MsdSession *s)
{
    s->started = TRUE;
    msd_engine_start(s->engine);
    if (!s->ended) {
        answer_start(s, NULL);
        /* After the first frame and the answer: recording never delays them. */
        history_begin(s);
    }
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
    if (!s || s->ended)
        return;
    if (!ok) {
        g_autofree char *words = msd_error_in_words(error->message);
        msd_session_warning(s->path, s->address, "cannot connect: %s", error->message);
        s->start_error = error->domain == MSD_ERROR ? (MsdError)error->code : MSD_ERROR_FAILED;
        if (!s->end_detail)
            s->end_detail = g_strdup_printf("cannot connect to %s: %s", s->address, words);
        msd_engine_fail(s->engine, error->message);
        return;
    }
    play(s);
}

void msd_session_start(MsdSession *s, GDBusMethodInvocation *start)
{
    s->start_inv = start;
    s->start_error = MSD_ERROR_FAILED;
    if (msd_device_is_ready(s->device)) {
        play(s);
        return;
    }
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
    if (msd_engine_get_state(s->engine) == MSD_ENGINE_PLAYING)
        note_adjustment(s, "pause");
    msd_engine_pause(s->engine); /* not playing: nothing to do */
    publish_pause_reason(s);     /* waiting for the device: no state change */
    msd_session1_complete_pause(skel, inv);
    return TRUE;
}

static gboolean handle_resume(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    if (msd_engine_get_state(s->engine) == MSD_ENGINE_WAITING_DEVICE) {
        g_dbus_method_invocation_return_error_literal(
            inv, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
            msd_engine_user_paused(s->engine)
                ? "the device is reconnecting; the session comes back paused: resume it then"
                : "the device is reconnecting; the session resumes by itself when it is back");
        return TRUE;
    }
    MsdPauseReason why = msd_engine_get_pause_reason(s->engine);
    if (msd_engine_get_state(s->engine) == MSD_ENGINE_PAUSED)
        note_adjustment(s, "resume");
    if (msd_engine_resume(s->engine) && why == MSD_PAUSE_DEVICE_STOPPED)
        msd_session_info(s->path, s->address,
                         "resumed by a person after the device stopped itself");
    msd_session1_complete_resume(skel, inv);
    return TRUE;
}

static gboolean handle_stop(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (!s->ended && !s->end_detail)
        s->end_detail = g_strdup_printf("stopped by Session1.Stop from %s",
                                        g_dbus_method_invocation_get_sender(inv));
    msd_session1_complete_stop(skel, inv);
    msd_session_end(s, "stopped");
    return TRUE;
}

/* Next and Previous may be refused by the zone limits (engine.h): the
 * engine's error goes back to the caller as it is. The session is only
 * removed from a later idle callback, so `s` outlives a move that finishes. */
static gboolean handle_next(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    g_autoptr(GError) error = NULL;
    guint64 at = msd_engine_get_position(s->engine);
    if (!msd_engine_next(s->engine, &error)) {
        msd_error_return(inv, error);
        return TRUE;
    }
    if (s->adjustments->len < 4000)
        g_string_append_printf(s->adjustments, "%s%.1fs next", s->adjustments->len ? "; " : "",
                               (double)at / 1000.0);
    msd_session1_complete_next(skel, inv);
    return TRUE;
}

static gboolean handle_previous(MsdSession1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdSession *s = user_data;
    if (refuse_if_ended(s, inv))
        return TRUE;
    g_autoptr(GError) error = NULL;
    guint64 at = msd_engine_get_position(s->engine);
    if (!msd_engine_previous(s->engine, &error)) {
        msd_error_return(inv, error);
        return TRUE;
    }
    if (s->adjustments->len < 4000)
        g_string_append_printf(s->adjustments, "%s%.1fs previous", s->adjustments->len ? "; " : "",
                               (double)at / 1000.0);
    msd_session1_complete_previous(skel, inv);
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
    note_adjustment(s, "adjust %g%%", pct);
    msd_session1_set_scale(s->skel, pct);
    msd_session1_complete_adjust(skel, inv);
    msd_engine_set_scale(s->engine, pct / 100.0);
    return TRUE;
}

/* ---- attach ---- */

static void on_caller_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    MsdSession *s = user_data;
    msd_session_info(s->path, s->address, "attached caller %s left the bus", name);
    if (!s->end_detail)
        s->end_detail = g_strdup_printf("the attached caller %s left the bus", name);
    msd_session_end(s, "caller-vanished");
}

/* ---- life ---- */

MsdSession *msd_session_new(MsdDaemon *d, guint id, MsdDevice *device, MsdProgrammeEntry *entry,
                            const MsdSessionOptions *options, const char *caller, GError **error)
{
    MpProgramme *p = entry->programme;
    MpDriver *drv = msd_device_get_driver(device);
    if (p->kind != MP_KIND_ANY && p->kind != drv->kind) {
        g_autofree char *label = msd_device_describe(device);
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME,
                    "programme \"%s\" is for %s devices; %s is a %s device", entry->id,
                    mp_device_kind_to_string(p->kind), label, mp_device_kind_to_string(drv->kind));
        return NULL;
    }
    g_autoptr(MpTimeline) timeline = mp_timeline_new(p);
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    cfg.limits = d->config.safety;
    cfg.time_scale = d->time_scale;
    cfg.scale = options->scale / 100.0;
    if (options->side != MP_SIDE_NONE) {
        /* Only that side's pass: from its first entry to its last. */
        gboolean found = FALSE;
        for (guint i = 0; i < mp_timeline_n_entries(timeline); i++) {
            const MpTimelineEntry *e = mp_timeline_entry(timeline, i);
            if ((int)e->side != options->side)
                continue;
            if (!found)
                cfg.range_start_ms = e->start_ms;
            cfg.range_end_ms = e->end_ms;
            found = TRUE;
        }
        if (!found) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, "programme \"%s\" has no %s side",
                        entry->id, mp_side_to_string((MpSide)options->side));
            return NULL;
        }
    }

    MsdSession *s = g_new0(MsdSession, 1);
    s->daemon = d;
    s->path = g_strdup_printf(MSD_SESSION_PATH_FMT, id);
    s->programme_id = g_strdup(entry->id);
    s->device = device;
    s->address = g_strdup(msd_device_get_address(device));
    s->programme = mp_programme_ref(p);
    s->timeline = g_steal_pointer(&timeline);
    s->opts = *options;
    s->opts.client = g_strdup(options->client);
    s->opts.note = g_strdup(options->note);
    s->caller = g_strdup(caller);
    s->requested_us = g_get_real_time();
    s->programme_name = g_strdup(p->name);
    s->programme_hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, entry->text, -1);
    s->driver = g_strdup(drv->name);
    s->caller_uid = -1;
    s->entered = g_new0(guint8, mp_timeline_n_entries(s->timeline) + 1);
    s->adjustments = g_string_new(NULL);
    g_autoptr(GDBusInterface) dev_iface =
        g_dbus_object_get_interface(G_DBUS_OBJECT(msd_device_get_object(device)), MSD_DEVICE_IFACE);
    if (dev_iface)
        s->device_name = g_strdup(msd_device1_get_name(MSD_DEVICE1(dev_iface)));

    static const MsdEngineCallbacks callbacks = {
        .set_intensity = sink_set_intensity,
        .stop = sink_stop,
        .step_changed = on_step_changed,
        .state_changed = on_state_changed,
        .finished = on_finished,
    };
    s->engine = msd_engine_new(d->clock, s->timeline, &cfg, &callbacks, s, NULL, error);
    if (!s->engine) {
        msd_session_free(s);
        return NULL;
    }

    s->skel = msd_session1_skeleton_new();
    msd_authority_guard(G_DBUS_INTERFACE_SKELETON(s->skel)); /* before the handlers */
    msd_session1_set_programme(s->skel, entry->id);
    msd_session1_set_device(s->skel, msd_device_get_path(device));
    msd_session1_set_state(s->skel, "starting");
    msd_session1_set_step_count(s->skel, mp_timeline_n_entries(s->timeline));
    msd_session1_set_duration(s->skel, mp_timeline_duration(s->timeline));
    msd_session1_set_scale(s->skel, s->opts.scale);
    msd_session1_set_pause_reason(s->skel, "");
    msd_session1_set_outcome(s->skel, "");
    msd_session1_set_detail(s->skel, "");
    g_signal_connect(s->skel, "handle-pause", G_CALLBACK(handle_pause), s);
    g_signal_connect(s->skel, "handle-resume", G_CALLBACK(handle_resume), s);
    g_signal_connect(s->skel, "handle-stop", G_CALLBACK(handle_stop), s);
    g_signal_connect(s->skel, "handle-next", G_CALLBACK(handle_next), s);
    g_signal_connect(s->skel, "handle-previous", G_CALLBACK(handle_previous), s);
    g_signal_connect(s->skel, "handle-adjust", G_CALLBACK(handle_adjust), s);
    s->object = g_dbus_object_skeleton_new(s->path);
    g_dbus_object_skeleton_add_interface(s->object, G_DBUS_INTERFACE_SKELETON(s->skel));

    if (s->opts.attach && caller)
        s->caller_watch = g_bus_watch_name_on_connection(
            d->conn, caller, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, on_caller_vanished, s, NULL);
    msd_device_set_session(device, s, s->path);
    ask_caller_uid(s);
    msd_session_info(s->path, s->address, "programme \"%s\" on %s (scale %g%%%s), caller %s",
                     entry->id, msd_device_get_path(device), s->opts.scale,
                     s->opts.attach ? ", attached" : "", caller ? caller : "?");
    return s;
}

void msd_session_free(MsdSession *s)
{
    if (!s)
        return;
    if (owns_device(s))
        msd_device_set_session(s->device, NULL, NULL);
    if (s->start_inv) {
        g_autoptr(GError) e = g_error_new_literal(
            MSD_ERROR, MSD_ERROR_FAILED, "massaged is shutting down; the session did not start");
        answer_start(s, e);
    }
    if (s->caller_watch)
        g_bus_unwatch_name(s->caller_watch);
    g_clear_handle_id(&s->remove_id, g_source_remove);
    /* A session freed while playing (daemon exit) has already been ended by
     * the shutdown; the engine's own free never calls back. */
    g_clear_pointer(&s->engine, msd_engine_free);
    if (s->skel)
        g_signal_handlers_disconnect_by_data(s->skel, s);
    g_clear_object(&s->skel);
    g_clear_object(&s->object);
    g_clear_pointer(&s->timeline, mp_timeline_free);
    g_clear_pointer(&s->programme, mp_programme_unref);
    g_free(s->path);
    g_free(s->programme_id);
    g_free(s->address);
    g_free(s->caller);
    g_free(s->end_reason);
    g_free(s->end_detail);
    msd_session_options_clear(&s->opts);
    g_free(s->programme_name);
    g_free(s->programme_hash);
    g_free(s->device_name);
    g_free(s->driver);
    g_free(s->caller_name);
    g_free(s->entered);
    if (s->adjustments)
        g_string_free(s->adjustments, TRUE);
    g_free(s);
}
