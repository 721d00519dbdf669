/* massagectl monitor: prints what happens to devices and sessions as it
 * happens — one readable line per event, or one JSON object per line with
 * --json — for people watching and for home hubs listening.
 *
 * Events have kinds (device, connection, state, battery, session, step,
 * intensity, discovery) so a listener can ask for what it wants with
 * --event; intensity ticks arrive many times a second while a programme
 * plays, so they are left out unless asked for. --device and --session keep
 * only the events of one device or session. */
#include <glib-unix.h>

#include "cli/client.h"

typedef enum {
    EV_DEVICE = 1 << 0,     /* a device appeared, went away, was renamed */
    EV_CONNECTION = 1 << 1, /* connected / disconnected */
    EV_STATE = 1 << 2,      /* the device's state (ready, running, …) */
    EV_BATTERY = 1 << 3,
    EV_SESSION = 1 << 4,   /* started, paused, playing again, adjusted, finished */
    EV_STEP = 1 << 5,      /* a new step began */
    EV_INTENSITY = 1 << 6, /* the level sent to the device, many times a second */
    EV_DISCOVERY = 1 << 7, /* the daemon's scan started or stopped */
} EventKind;

static const struct {
    const char *name;
    EventKind kind;
} event_kinds[] = {
    {"device", EV_DEVICE},       {"connection", EV_CONNECTION}, {"state", EV_STATE},
    {"battery", EV_BATTERY},     {"session", EV_SESSION},       {"step", EV_STEP},
    {"intensity", EV_INTENSITY}, {"discovery", EV_DISCOVERY},
};
#define EV_DEFAULT (~0u & ~(unsigned)EV_INTENSITY)

typedef struct {
    MctlContext *ctx;
    MctlClient *client;
    GMainLoop *loop;
    unsigned kinds;
    char *device_path;  /* only this device's events (and its sessions'), or NULL */
    char *session_path; /* only this session's events, or NULL */
} Monitor;

/* The device object a session plays on, or NULL when it is gone. */
static MsdDevice1 *session_device(Monitor *m, const char *session_path)
{
    g_autoptr(MsdSession1) s = mctl_client_session_at(m->client, session_path);
    const char *dev = s ? msd_session1_get_device(s) : NULL;
    return dev ? mctl_client_device_at(m->client, dev) : NULL;
}

static gboolean wanted(Monitor *m, EventKind kind, const char *device_path,
                       const char *session_path)
{
    if (!(m->kinds & kind))
        return FALSE;
    if (m->session_path && g_strcmp0(session_path, m->session_path) != 0)
        return FALSE;
    if (m->device_path && g_strcmp0(device_path, m->device_path) != 0)
        return FALSE;
    return TRUE;
}

static const char *kind_name(EventKind kind)
{
    for (gsize i = 0; i < G_N_ELEMENTS(event_kinds); i++)
        if (event_kinds[i].kind == kind)
            return event_kinds[i].name;
    return "?";
}

/* One event. fields: an a{sv} of the event's own named fields (floating
 * or NULL), printed as members in JSON; words: the line a person reads. */
static void emit(Monitor *m, EventKind kind, MsdDevice1 *dev, const char *session_path,
                 const char *what, GVariant *fields, const char *words)
{
    g_autoptr(GVariant) f = fields ? g_variant_ref_sink(fields) : NULL;
    const char *dev_path = dev ? g_dbus_proxy_get_object_path(G_DBUS_PROXY(dev)) : NULL;
    if (!wanted(m, kind, dev_path, session_path))
        return;
    if (m->ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        mctl_json_event_begin(b, kind_name(kind), what);
        json_builder_set_member_name(b, "device");
        if (dev)
            json_builder_add_string_value(b, msd_device1_get_address(dev));
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "session");
        if (session_path)
            json_builder_add_string_value(b, session_path);
        else
            json_builder_add_null_value(b);
        if (f) {
            GVariantIter iter;
            const char *key;
            GVariant *value;
            g_variant_iter_init(&iter, f);
            while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                json_builder_set_member_name(b, key);
                json_builder_add_value(b, json_gvariant_serialize(value));
            }
        }
        mctl_json_event_print(b);
        return;
    }
    g_autoptr(GDateTime) local = g_date_time_new_now_local();
    g_autofree char *ts = g_date_time_format(local, "%H:%M:%S");
    if (dev)
        printf("%s %-10s %s %s: %s\n", ts, kind_name(kind), msd_device1_get_address(dev),
               msd_device1_get_name(dev), words);
    else
        printf("%s %-10s %s\n", ts, kind_name(kind), words);
    fflush(stdout);
}

static GVariant *one_field(const char *key, GVariant *value)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", key, value);
    return g_variant_builder_end(&b);
}

static void on_added(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
    Monitor *m = user_data;
    const char *path = g_dbus_object_get_object_path(obj);
    g_autoptr(MsdDevice1) d = msd_object_get_device1(MSD_OBJECT(obj));
    if (d) {
        emit(m, EV_DEVICE, d, NULL, "added",
             one_field("driver", g_variant_new_string(msd_device1_get_driver(d))), "found");
        return;
    }
    g_autoptr(MsdSession1) s = msd_object_get_session1(MSD_OBJECT(obj));
    if (!s)
        return;
    g_autoptr(MsdDevice1) dev = session_device(m, path);
    g_autofree char *words = g_strdup_printf("started %s (%u steps)", msd_session1_get_programme(s),
                                             msd_session1_get_step_count(s));
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "programme",
                          g_variant_new_string(msd_session1_get_programme(s)));
    g_variant_builder_add(&b, "{sv}", "step_count",
                          g_variant_new_uint32(msd_session1_get_step_count(s)));
    emit(m, EV_SESSION, dev, path, "started", g_variant_builder_end(&b), words);
}

static void on_removed(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
    g_autoptr(MsdDevice1) d = msd_object_get_device1(MSD_OBJECT(obj));
    if (d)
        emit(user_data, EV_DEVICE, d, NULL, "removed", NULL, "gone (not seen any more)");
    /* A session's end is its Finished signal; its object going is housekeeping. */
}

static void device_changed(Monitor *m, MsdDevice1 *d, const char *key, GVariant *value)
{
    if (g_str_equal(key, "Connected")) {
        gboolean up = g_variant_get_boolean(value);
        emit(m, EV_CONNECTION, d, NULL, up ? "connected" : "disconnected",
             one_field("connected", g_variant_new_boolean(up)), up ? "connected" : "disconnected");
    } else if (g_str_equal(key, "State")) {
        const char *state = g_variant_get_string(value, NULL);
        emit(m, EV_STATE, d, NULL, state, one_field("state", g_variant_new_string(state)), state);
    } else if (g_str_equal(key, "Battery")) {
        gint32 pct = g_variant_get_int32(value);
        g_autofree char *words =
            pct >= 0 ? g_strdup_printf("battery %d%%", pct) : g_strdup("battery unknown");
        emit(m, EV_BATTERY, d, NULL, "battery",
             one_field("battery", pct >= 0 ? g_variant_new_int32(pct)
                                           : g_variant_new_maybe(G_VARIANT_TYPE_INT32, NULL)),
             words);
    } else if (g_str_equal(key, "Intensity")) {
        double pct = g_variant_get_double(value);
        g_autofree char *words = g_strdup_printf("intensity %.0f%%", pct);
        emit(m, EV_INTENSITY, d, NULL, "intensity",
             one_field("intensity", g_variant_new_double(pct)), words);
    } else if (g_str_equal(key, "Name")) {
        emit(m, EV_DEVICE, d, NULL, "renamed",
             one_field("name", g_variant_new_string(g_variant_get_string(value, NULL))), "renamed");
    }
    /* Session: the session's own events say it. Speed: follows Intensity. */
}

static void session_changed(Monitor *m, MsdSession1 *s, const char *key, GVariant *value)
{
    const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(s));
    g_autoptr(MsdDevice1) dev = session_device(m, path);
    if (g_str_equal(key, "State")) {
        const char *state = g_variant_get_string(value, NULL);
        if (g_str_equal(state, "finished"))
            return; /* Finished says how it ended */
        g_autofree char *why = g_str_equal(state, "paused") ? mctl_pause_reason_words(s) : NULL;
        const char *reason = msd_session1_get_pause_reason(s);
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "state", g_variant_new_string(state));
        if (g_str_equal(state, "paused"))
            g_variant_builder_add(&b, "{sv}", "pause_reason",
                                  g_variant_new_string(reason ? reason : ""));
        emit(m, EV_SESSION, dev, path, state, g_variant_builder_end(&b), why ? why : state);
    } else if (g_str_equal(key, "Scale")) {
        double scale = g_variant_get_double(value);
        g_autofree char *words = g_strdup_printf("intensity scale now %.0f%%", scale);
        emit(m, EV_SESSION, dev, path, "adjusted", one_field("scale", g_variant_new_double(scale)),
             words);
    }
}

static void on_props(GDBusObjectManagerClient *om, GDBusObjectProxy *obj, GDBusProxy *iface,
                     GVariant *changed, const char *const *invalidated, gpointer user_data)
{
    GVariantIter iter;
    const char *key;
    GVariant *value;
    g_variant_iter_init(&iter, changed);
    while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
        if (MSD_IS_DEVICE1(iface))
            device_changed(user_data, MSD_DEVICE1(iface), key, value);
        else if (MSD_IS_SESSION1(iface))
            session_changed(user_data, MSD_SESSION1(iface), key, value);
    }
}

static void on_signal(GDBusObjectManagerClient *om, GDBusObjectProxy *obj, GDBusProxy *iface,
                      const char *sender, const char *signal, GVariant *params, gpointer user_data)
{
    Monitor *m = user_data;
    if (!MSD_IS_SESSION1(iface))
        return;
    MsdSession1 *s = MSD_SESSION1(iface);
    const char *path = g_dbus_proxy_get_object_path(iface);
    g_autoptr(MsdDevice1) dev = session_device(m, path);
    if (g_str_equal(signal, "StepChanged") &&
        g_variant_is_of_type(params, G_VARIANT_TYPE("(us)"))) {
        guint32 step;
        const char *name;
        g_variant_get(params, "(u&s)", &step, &name);
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "step", g_variant_new_uint32(step));
        g_variant_builder_add(&b, "{sv}", "step_count",
                              g_variant_new_uint32(msd_session1_get_step_count(s)));
        g_variant_builder_add(&b, "{sv}", "step_name", g_variant_new_string(name));
        g_autofree char *words =
            g_strdup_printf("step %u/%u \"%s\"", step + 1, msd_session1_get_step_count(s), name);
        emit(m, EV_STEP, dev, path, "step", g_variant_builder_end(&b), words);
    } else if (g_str_equal(signal, "Finished") &&
               (g_variant_is_of_type(params, G_VARIANT_TYPE("(s)")) ||
                g_variant_is_of_type(params, G_VARIANT_TYPE("(ss)")))) {
        /* Finished(outcome) or Finished(outcome, detail): the detail, when the
         * daemon gives one, says why in words. */
        const char *outcome = NULL, *detail = NULL;
        if (g_variant_n_children(params) == 2)
            g_variant_get(params, "(&s&s)", &outcome, &detail);
        else
            g_variant_get(params, "(&s)", &outcome);
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add(&b, "{sv}", "outcome", g_variant_new_string(outcome));
        if (detail && *detail)
            g_variant_builder_add(&b, "{sv}", "detail", g_variant_new_string(detail));
        g_autofree char *words = detail && *detail
                                     ? g_strdup_printf("finished: %s (%s)", outcome, detail)
                                     : g_strdup_printf("finished: %s", outcome);
        emit(m, EV_SESSION, dev, path, "finished", g_variant_builder_end(&b), words);
    }
}

static void on_manager_props(GDBusProxy *p, GVariant *changed, GStrv inv, gpointer user_data)
{
    gboolean on;
    if (g_variant_lookup(changed, "Discovering", "b", &on))
        emit(user_data, EV_DISCOVERY, NULL, NULL, on ? "started" : "stopped",
             one_field("discovering", g_variant_new_boolean(on)),
             on ? "scanning for devices" : "scan stopped");
}

/* Kept until the end and removed there, once: a source that removed itself
 * on the first Ctrl-C cannot be removed again (GLib would warn). */
static gboolean on_quit(gpointer user_data)
{
    g_main_loop_quit(((Monitor *)user_data)->loop);
    return G_SOURCE_CONTINUE;
}

/* "step,session" → a mask; NULL with the unknown name in *bad. */
static gboolean parse_kinds(const char *list, unsigned *mask, char **bad)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);
    *mask = 0;
    for (char **n = names; *n; n++) {
        g_strstrip(*n);
        gboolean found = FALSE;
        if (g_str_equal(*n, "all")) {
            *mask = ~0u;
            continue;
        }
        for (gsize i = 0; i < G_N_ELEMENTS(event_kinds) && !found; i++)
            if (g_str_equal(*n, event_kinds[i].name)) {
                *mask |= event_kinds[i].kind;
                found = TRUE;
            }
        if (!found) {
            *bad = g_strdup(*n);
            return FALSE;
        }
    }
    return *mask != 0 || (*bad = g_strdup(list), FALSE);
}

int mctl_cmd_monitor(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    g_autofree char *events = NULL, *device = NULL, *session = NULL;
    const GOptionEntry entries[] = {
        {"event", 'e', 0, G_OPTION_ARG_STRING, &events,
         "Only these kinds: device, connection, state, battery, session, step, intensity, "
         "discovery, or all (comma-separated; default: all but intensity)",
         "KIND,…"},
        {"device", 'd', 0, G_OPTION_ARG_STRING, &device, "Only the events of DEV and its sessions",
         "DEV"},
        {"session", 's', 0, G_OPTION_ARG_STRING, &session, "Only the events of one session",
         "PATH"},
        {NULL},
    };
    const MctlArgs args = {
        .params = "",
        .summary = "Prints what happens to devices and sessions, a line per event, until Ctrl-C. "
                   "With --json, one JSON object per line (docs/json.md).",
        .entries = entries,
        .arg_error = "monitor takes no arguments, only options",
        .arg_hint = "Run 'massagectl monitor --help'.",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    unsigned kinds = EV_DEFAULT;
    g_autofree char *bad = NULL;
    if (events && !parse_kinds(events, &kinds, &bad))
        return mctl_fail(ctx, MCTL_EXIT_USAGE,
                         "Kinds: device, connection, state, battery, session, step, intensity, "
                         "discovery, all.",
                         "monitor --event: unknown kind '%s'", bad);
    if (session && !g_variant_is_object_path(session))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Run 'massagectl status' to see the sessions.",
                         "monitor --session: '%s' is not a session path", session);
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autofree char *device_path = NULL;
    if (device) {
        g_autoptr(MsdDevice1) d = mctl_client_find_device(c, ctx, device, &rc);
        if (!d)
            return rc;
        device_path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(d)));
    }
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    Monitor m = {.ctx = ctx,
                 .client = c,
                 .loop = loop,
                 .kinds = kinds,
                 .device_path = device_path,
                 .session_path = session};
    g_signal_connect(c->objects, "object-added", G_CALLBACK(on_added), &m);
    g_signal_connect(c->objects, "object-removed", G_CALLBACK(on_removed), &m);
    g_signal_connect(c->objects, "interface-proxy-properties-changed", G_CALLBACK(on_props), &m);
    g_signal_connect(c->objects, "interface-proxy-signal", G_CALLBACK(on_signal), &m);
    g_signal_connect(c->manager, "g-properties-changed", G_CALLBACK(on_manager_props), &m);
    /* The first line says the monitor listens: a script can wait for it. */
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "event");
        json_builder_add_string_value(b, "monitoring");
        json_builder_set_member_name(b, "version");
        json_builder_add_string_value(b, msd_manager1_get_version(c->manager));
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        printf("Monitoring massaged %s (Ctrl-C to end).\n", msd_manager1_get_version(c->manager));
        fflush(stdout);
    }
    guint sigint = g_unix_signal_add(SIGINT, on_quit, &m);
    guint sigterm = g_unix_signal_add(SIGTERM, on_quit, &m);
    g_main_loop_run(loop);
    g_source_remove(sigint);
    g_source_remove(sigterm);
    g_signal_handlers_disconnect_by_data(c->objects, &m);
    g_signal_handlers_disconnect_by_data(c->manager, &m);
    return MCTL_EXIT_OK;
}
