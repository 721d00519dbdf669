#include "daemon/session.h"

#include <string.h>

#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
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
    gboolean ended;
    guint remove_id;
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

/* ---- playback: bound to the engine (daemon/engine.h) ---- */

static void session_engine_free(MsdSession *s)
{
}

static void session_bind_methods(MsdSession *s)
{
}

void msd_session_start(MsdSession *s)
{
}

static gboolean session_engine_available(GError **error)
{
    g_set_error_literal(error, MSD_ERROR, MSD_ERROR_NOT_SUPPORTED,
                        "programme playback needs the session engine (daemon/engine.h), which "
                        "is not merged yet");
    return FALSE;
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
    msd_session_info(s->path, s->address, "finished: %s", reason);
    if (s->caller_watch) {
        g_bus_unwatch_name(s->caller_watch);
        s->caller_watch = 0;
    }
    if (s->device) {
        MsdDevice *dev = s->device;
        msd_device_set_session(dev, NULL, NULL);
        /* Whatever the reason, the motor stops. */
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
    msd_session1_set_state(s->skel, "waiting-device");
}

void msd_session_device_returned(MsdSession *s)
{
    if (s->ended)
        return;
}

/* ---- attach ---- */

static void on_caller_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    MsdSession *s = user_data;
    msd_session_info(s->path, s->address, "attached caller %s left the bus", name);
    if (s->device && msd_device_is_ready(s->device))
        msd_device_stop(s->device, "caller-vanished", NULL, NULL);
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
    if (!session_engine_available(error))
        return NULL;
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
