/* org.massaged.Manager1 at /org/massaged: discovery, the programme store,
 * Start and StopAll. */
#include <string.h>

#include "config.h"
#include "daemon/client-manager.h"
#include "daemon/client-start.h"
#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/session.h"
#include "protocol/address.h"

void msd_manager_update_discovering(MsdDaemon *d)
{
    if (!d->manager)
        return;
    msd_manager1_set_discovering(d->manager,
                                 d->discovery_wanted && msd_bluez_adapter_discovering(d->bluez));
}

static void on_start_discovery(GObject *src, GAsyncResult *res, gpointer user_data)
{
    GDBusMethodInvocation *inv = user_data;
    MsdDaemon *d = g_object_get_data(G_OBJECT(inv), "msd-daemon");
    g_autoptr(GError) error = NULL;
    if (!msd_bluez_start_discovery_finish(d->bluez, res, &error)) {
        d->discovery_wanted = FALSE;
        msd_warning("StartDiscovery: %s", error->message);
        msd_error_return(inv, error);
    } else {
        msd_info("discovering");
        g_dbus_method_invocation_return_value(inv, NULL);
    }
    msd_manager_update_discovering(d);
}

static gboolean handle_start_discovery(MsdManager1 *m, GDBusMethodInvocation *inv,
                                       gpointer user_data)
{
    MsdDaemon *d = user_data;
    d->discovery_wanted = TRUE;
    g_object_set_data(G_OBJECT(inv), "msd-daemon", d);
    g_auto(GStrv) uuids = mp_registry_service_uuids(d->drivers);
    msd_bluez_start_discovery(d->bluez, (const char *const *)uuids, on_start_discovery, inv);
    return TRUE;
}

static void on_stop_discovery(GObject *src, GAsyncResult *res, gpointer user_data)
{
    GDBusMethodInvocation *inv = user_data;
    MsdDaemon *d = g_object_get_data(G_OBJECT(inv), "msd-daemon");
    g_autoptr(GError) error = NULL;
    if (!msd_bluez_stop_discovery_finish(d->bluez, res, &error))
        msd_error_return(inv, error);
    else
        g_dbus_method_invocation_return_value(inv, NULL);
    msd_manager_update_discovering(d);
}

static gboolean handle_stop_discovery(MsdManager1 *m, GDBusMethodInvocation *inv,
                                      gpointer user_data)
{
    MsdDaemon *d = user_data;
    d->discovery_wanted = FALSE;
    g_object_set_data(G_OBJECT(inv), "msd-daemon", d);
    msd_bluez_stop_discovery(d->bluez, on_stop_discovery, inv);
    return TRUE;
}

/* ---- StopAll: every device that is connected or may be moving, through
 * msd_device_stop_reaching(); the reply waits for all of them (at most
 * STOP_ALL_REPLY_MS, below D-Bus's usual 25 s call timeout, so the caller
 * hears which devices were not reached rather than a timeout) and never
 * says a device stopped unless a stop frame reached it. */

#define STOP_ALL_REPLY_MS 20000

typedef struct {
    char *address;
    char *path; /* our Device1 object; NULL for a recorded device we have no object for */
    gboolean answered;
    gboolean stopped;
    char *why; /* when not stopped */
} StopResult;

typedef struct {
    MsdDaemon *daemon;
    GDBusMethodInvocation *inv;
    GArray *results; /* StopResult */
    guint pending;
    guint timeout_id;
    guint refs; /* the call itself, each stop in flight, the timeout */
    gboolean replied;
} StopAllCall;

typedef struct {
    StopAllCall *call;
    guint index;
} StopItem;

static void stop_result_clear(StopResult *r)
{
    g_free(r->address);
    g_free(r->path);
    g_free(r->why);
}

static void stop_all_unref(StopAllCall *c)
{
    if (--c->refs)
        return;
    g_clear_object(&c->inv);
    g_array_unref(c->results);
    g_free(c);
}

static void stop_all_reply(StopAllCall *c)
{
    if (c->replied)
        return;
    c->replied = TRUE;
    if (c->timeout_id) {
        g_clear_handle_id(&c->timeout_id, g_source_remove);
        c->refs--; /* the timeout's; the caller still holds one */
    }
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(os)"));
    g_autoptr(GString) lines = g_string_new(NULL);
    guint not_stopped = 0;
    for (guint i = 0; i < c->results->len; i++) {
        StopResult *r = &g_array_index(c->results, StopResult, i);
        if (r->stopped) {
            g_variant_builder_add(&b, "(os)", r->path, r->address);
            g_string_append_printf(lines, "\nstopped %s", r->address);
        } else {
            not_stopped++;
            const char *why = r->answered ? r->why : "no answer within 20 s (still trying)";
            g_string_append_printf(lines, "\nnot-stopped %s %s", r->address, why);
            msd_dev_warning(r->address, "StopAll: %s not stopped: %s", r->address, why);
        }
    }
    if (not_stopped == 0) {
        msd_info("StopAll: %u device(s) stopped", c->results->len);
        msd_manager1_complete_stop_all(c->daemon->manager, c->inv, g_variant_builder_end(&b));
        return;
    }
    g_variant_builder_clear(&b);
    g_dbus_method_invocation_return_error(c->inv, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                          "could not stop %u of %u device(s)%s", not_stopped,
                                          c->results->len, lines->str);
}

static void on_stop_all_one(MsdDevice *dev, const GError *error, gpointer user_data)
{
    StopItem *item = user_data;
    StopAllCall *c = item->call;
    StopResult *r = &g_array_index(c->results, StopResult, item->index);
    g_free(item);
    r->answered = TRUE;
    r->stopped = error == NULL;
    if (error)
        r->why = g_strdup(error->message);
    if (--c->pending == 0)
        stop_all_reply(c);
    stop_all_unref(c);
}

static gboolean on_stop_all_timeout(gpointer user_data)
{
    StopAllCall *c = user_data;
    c->timeout_id = 0;
    stop_all_reply(c);
    stop_all_unref(c); /* the timeout's */
    return G_SOURCE_REMOVE;
}

static guint stop_all_add(StopAllCall *c, const char *address, const char *path)
{
    StopResult r = {.address = g_ascii_strup(address, -1), .path = g_strdup(path)};
    g_array_append_val(c->results, r);
    return c->results->len - 1;
}

static gboolean handle_stop_all(MsdManager1 *m, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdDaemon *d = user_data;
    msd_info("StopAll from %s", g_dbus_method_invocation_get_sender(inv));
    StopAllCall *c = g_new0(StopAllCall, 1);
    c->daemon = d;
    c->inv = g_object_ref(inv);
    c->results = g_array_new(FALSE, TRUE, sizeof(StopResult));
    g_array_set_clear_func(c->results, (GDestroyNotify)stop_result_clear);
    c->refs = 1;

    /* Collected first, then stopped: a stop may call back at once, and
     * may change the device table. */
    g_autoptr(GPtrArray) targets = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        MsdDevice *dev = v;
        if (msd_device_is_ready(dev) || msd_device_may_be_moving(dev))
            g_ptr_array_add(targets, dev);
        else if (msd_device_get_session(dev))
            msd_session_end(msd_device_get_session(dev), "stopped");
    }
    /* A device a crashed massaged left moving that bluetoothd has not shown
     * us since: nothing to send a stop to. It is reported, never skipped. */
    g_autoptr(GPtrArray) recorded = msd_motion_record_list(d->motion);
    for (guint i = 0; i < recorded->len; i++) {
        MsdMotionEntry *e = recorded->pdata[i];
        if (msd_daemon_find_device_by_address(d, e->address))
            continue;
        guint at = stop_all_add(c, e->address, NULL);
        StopResult *r = &g_array_index(c->results, StopResult, at);
        r->answered = TRUE;
        r->why = g_strdup_printf("could not reach %s (%s): bluetoothd has not seen it since "
                                 "massaged started; scanning for it",
                                 r->address, e->driver ? e->driver : "driver unknown");
    }
    /* Recovery starts over on what it gave up on, and scans again. */
    msd_recovery_rearm(d->recovery);

    c->pending = targets->len;
    for (guint i = 0; i < targets->len; i++)
        stop_all_add(c, msd_device_get_address(targets->pdata[i]),
                     msd_device_get_path(targets->pdata[i]));
    if (targets->len) {
        c->refs++;
        c->timeout_id = g_timeout_add(STOP_ALL_REPLY_MS, on_stop_all_timeout, c);
    }
    guint first = c->results->len - targets->len;
    for (guint i = 0; i < targets->len; i++) {
        StopItem *item = g_new0(StopItem, 1);
        item->call = c;
        item->index = first + i;
        c->refs++;
        msd_device_stop_reaching(targets->pdata[i], "stopped", on_stop_all_one, item);
    }
    if (targets->len == 0)
        stop_all_reply(c);
    stop_all_unref(c);
    return TRUE;
}

static gboolean handle_list_programmes(MsdManager1 *m, GDBusMethodInvocation *inv,
                                       gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GPtrArray) list = msd_programme_store_list(d->store);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssst)"));
    for (guint i = 0; i < list->len; i++) {
        MsdProgrammeEntry *e = list->pdata[i];
        g_variant_builder_add(&b, "(ssst)", e->id, e->programme->name ? e->programme->name : "",
                              e->programme->summary ? e->programme->summary : "",
                              (guint64)e->duration_ms);
    }
    msd_manager1_complete_list_programmes(m, inv, g_variant_builder_end(&b));
    return TRUE;
}

/* ListProgrammes plus where each one comes from: a client lists built-in
 * and imported programmes together and marks them, which the a(ssst) of
 * ListProgrammes cannot say. */
static gboolean handle_list_programme_details(MsdManager1 *m, GDBusMethodInvocation *inv,
                                              gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GPtrArray) list = msd_programme_store_list(d->store);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < list->len; i++) {
        const MsdProgrammeEntry *e = list->pdata[i];
        const MpProgramme *p = e->programme;
        g_variant_builder_open(&b, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&b, "{sv}", "id", g_variant_new_string(e->id));
        g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(p->name ? p->name : ""));
        if (p->summary)
            g_variant_builder_add(&b, "{sv}", "summary", g_variant_new_string(p->summary));
        g_variant_builder_add(&b, "{sv}", "duration_ms", g_variant_new_uint64(e->duration_ms));
        g_variant_builder_add(&b, "{sv}", "origin",
                              g_variant_new_string(e->builtin ? "built-in" : "imported"));
        g_variant_builder_add(&b, "{sv}", "kind",
                              g_variant_new_string(mp_device_kind_to_string(p->kind)));
        GVariantBuilder sides;
        g_variant_builder_init(&sides, G_VARIANT_TYPE("as"));
        for (guint s = 0; s < p->n_sides && s < G_N_ELEMENTS(p->sides); s++)
            g_variant_builder_add(&sides, "s", mp_side_to_string(p->sides[s]));
        g_variant_builder_add(&b, "{sv}", "sides", g_variant_builder_end(&sides));
        g_variant_builder_close(&b);
    }
    msd_manager1_complete_list_programme_details(m, inv, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean handle_get_programme(MsdManager1 *m, GDBusMethodInvocation *inv, const char *id,
                                     gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    MsdProgrammeEntry *e = msd_programme_store_lookup(d->store, id, &error);
    if (!e)
        msd_error_return(inv, error);
    else
        msd_manager1_complete_get_programme(m, inv, e->text);
    return TRUE;
}

static gboolean handle_validate_programme(MsdManager1 *m, GDBusMethodInvocation *inv,
                                          const char *text, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = msd_programme_store_validate(d->store, text, diags);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(suss)"));
    for (guint i = 0; i < diags->len; i++) {
        const MpDiagnostic *diag = diags->pdata[i];
        g_autofree char *where = NULL;
        if (diag->group && diag->key)
            where = g_strdup_printf("[%s] %s", diag->group, diag->key);
        else if (diag->group)
            where = g_strdup_printf("[%s]", diag->group);
        else
            where = g_strdup(diag->key ? diag->key : "");
        g_variant_builder_add(&b, "(suss)", diag->severity == MP_DIAG_ERROR ? "error" : "warning",
                              diag->line, where, diag->message ? diag->message : "");
    }
    msd_manager1_complete_validate_programme(m, inv, g_variant_builder_end(&b));
    return TRUE;
}

/* A session playing `id`, or NULL: such a programme is neither removed nor
 * replaced under it. */
static MsdSession *session_playing(MsdDaemon *d, const char *id)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->sessions);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        if (!msd_session_is_ended(v) && g_str_equal(msd_session_get_programme_id(v), id))
            return v;
    }
    return NULL;
}

static void import_programme(MsdDaemon *d, GDBusMethodInvocation *inv, const char *text,
                             MsdImportFlags flags)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *id = NULL;
    if (flags & MSD_IMPORT_REPLACE) {
        /* The id the text would take, to refuse replacing what is playing. */
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        g_autoptr(MpProgramme) p = msd_programme_store_validate(d->store, text, diags);
        g_autofree char *slug = p ? msd_programme_slug(p->name) : NULL;
        MsdSession *s = slug ? session_playing(d, slug) : NULL;
        if (s) {
            g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_BUSY,
                                                  "programme \"%s\" is playing in %s", slug,
                                                  msd_session_get_path(s));
            return;
        }
    }
    id = msd_programme_store_import_full(d->store, text, flags, &error);
    if (!id) {
        /* The first line only: the caller gets every (bounded) diagnostic. */
        const char *nl = strchr(error->message, '\n');
        int first = nl ? (int)(nl - error->message) : (int)strlen(error->message);
        msd_info("%s from %s refused: %.*s%s",
                 flags & MSD_IMPORT_REPLACE ? "ReplaceProgramme" : "ImportProgramme",
                 g_dbus_method_invocation_get_sender(inv), MIN(first, 200), error->message,
                 nl || first > 200 ? " ..." : "");
        msd_error_return(inv, error);
    } else {
        g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", id));
    }
}

static gboolean handle_import_programme(MsdManager1 *m, GDBusMethodInvocation *inv,
                                        const char *text, gpointer user_data)
{
    import_programme(user_data, inv, text, MSD_IMPORT_NEW);
    return TRUE;
}

static gboolean handle_replace_programme(MsdManager1 *m, GDBusMethodInvocation *inv,
                                         const char *text, gpointer user_data)
{
    import_programme(user_data, inv, text, MSD_IMPORT_REPLACE);
    return TRUE;
}

static gboolean handle_remove_programme(MsdManager1 *m, GDBusMethodInvocation *inv, const char *id,
                                        gpointer user_data)
{
    MsdDaemon *d = user_data;
    MsdSession *playing = session_playing(d, id);
    if (playing) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_BUSY,
                                              "programme \"%s\" is playing in %s", id,
                                              msd_session_get_path(playing));
        return TRUE;
    }
    g_autoptr(GError) error = NULL;
    if (!msd_programme_store_remove(d->store, id, &error))
        msd_error_return(inv, error);
    else
        msd_manager1_complete_remove_programme(m, inv);
    return TRUE;
}

static gboolean handle_start(MsdManager1 *m, GDBusMethodInvocation *inv, const char *device_path,
                             const char *programme_id, GVariant *options, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    if (d->shutting_down) {
        g_dbus_method_invocation_return_error_literal(inv, MSD_ERROR, MSD_ERROR_FAILED,
                                                      "the daemon is shutting down");
        return TRUE;
    }
    g_auto(MsdSessionOptions) opts = {0};
    if (!msd_session_options_parse(options, &opts, &error)) {
        msd_error_return(inv, error);
        return TRUE;
    }
    MsdDevice *dev = msd_daemon_find_device(d, device_path);
    if (!dev) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_NOT_FOUND, "no device %s",
                                              device_path);
        return TRUE;
    }
    g_autofree char *label = msd_device_describe(dev);
    if (msd_device_get_session(dev)) {
        g_dbus_method_invocation_return_error(
            inv, MSD_ERROR, MSD_ERROR_BUSY,
            "%s is already playing programme \"%s\"; stop it first (massagectl stop)", label,
            msd_session_get_programme_id(msd_device_get_session(dev)));
        return TRUE;
    }
    /* Never set moving before the stop recovery owes it went out. */
    if (msd_recovery_holds(d->recovery, msd_device_get_address(dev))) {
        const char *addr = msd_device_get_address(dev);
        if (msd_recovery_gave_up(d->recovery, addr))
            g_dbus_method_invocation_return_error(
                inv, MSD_ERROR, MSD_ERROR_BUSY,
                "%s may still be running: the last massaged ended without stopping it, and it "
                "could not be stopped since; stop it first (massagectl stop)",
                label);
        else
            g_dbus_method_invocation_return_error(
                inv, MSD_ERROR, MSD_ERROR_BUSY,
                "%s is being stopped: the last massaged ended without stopping it; try again "
                "once it has stopped",
                label);
        return TRUE;
    }
    MsdProgrammeEntry *e = msd_programme_store_lookup(d->store, programme_id, &error);
    if (!e) {
        msd_error_return(inv, error);
        return TRUE;
    }
    /* A client profile (option "client"): its exclusions cut the programme
     * here, its cap goes to the device's motion gate (daemon/client-start.h). */
    g_autoptr(MsdClientStart) client = msd_client_start_prepare(d, options, e, &error);
    if (!client) {
        msd_error_return(inv, error);
        return TRUE;
    }
    guint id = ++d->next_session;
    MsdSession *s = msd_session_new(d, id, dev, msd_client_start_entry(client), &opts,
                                    g_dbus_method_invocation_get_sender(inv), &error);
    if (!s) {
        msd_error_return(inv, error);
        return TRUE;
    }
    msd_client_start_bind(client, s, dev);
    g_hash_table_insert(d->sessions, g_strdup(msd_session_get_path(s)), s);
    g_dbus_object_manager_server_export(d->om, msd_session_get_object(s));
    /* Answered once it plays, or with why it cannot (session.h). */
    msd_session_start(s, inv);
    return TRUE;
}

/* ---- the history (daemon/history.h) ---- */

static gboolean history_available(MsdDaemon *d, GDBusMethodInvocation *inv)
{
    if (d->history)
        return TRUE;
    g_dbus_method_invocation_return_error_literal(
        inv, MSD_ERROR, MSD_ERROR_NOT_SUPPORTED,
        d->config.history_enabled ? "the history could not be opened (see massaged's log)"
                                  : "the history is off ([History] Enabled=false)");
    return FALSE;
}

static gboolean parse_history_filter(GVariant *filter, MsdHistoryFilter *f, char **since,
                                     char **until, char **address, GError **error)
{
    static const char *const outcomes[] = {"running",     "completed",       "stopped",
                                           "device-lost", "caller-vanished", "shutdown",
                                           "error",       "interrupted",     NULL};
    static const char *const string_keys[] = {"since",  "until",   "device", "programme",
                                              "client", "outcome", NULL};
    GVariantIter it;
    const char *key;
    GVariant *value;
    g_variant_iter_init(&it, filter);
    while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
        g_autoptr(GVariant) v = value;
        if (g_str_equal(key, "limit")) {
            if (!g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
                g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                            "filter \"limit\" has type %s; expected u",
                            g_variant_get_type_string(v));
                return FALSE;
            }
            f->limit = g_variant_get_uint32(v);
            if (f->limit < 1 || f->limit > MSD_HISTORY_QUERY_MAX) {
                g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                            "filter \"limit\": %u is outside 1..%u", f->limit,
                            MSD_HISTORY_QUERY_MAX);
                return FALSE;
            }
            continue;
        }
        if (!g_strv_contains(string_keys, key)) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "unknown filter \"%s\" (known: since, until, device, programme, client, "
                        "outcome, limit)",
                        key);
            return FALSE;
        }
        if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                        "filter \"%s\" has type %s; expected s", key, g_variant_get_type_string(v));
            return FALSE;
        }
        const char *text = g_variant_get_string(v, NULL);
        g_autoptr(GError) e = NULL;
        if (g_str_equal(key, "since") || g_str_equal(key, "until")) {
            g_autofree char *what = g_strdup_printf("filter \"%s\"", key);
            char *t = msd_history_parse_time(text, what, &e);
            if (!t) {
                g_set_error_literal(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, e->message);
                return FALSE;
            }
            char **dst = g_str_equal(key, "since") ? since : until;
            g_free(*dst);
            *dst = t;
        } else if (g_str_equal(key, "device")) {
            if (!mp_address_is_valid(text)) {
                g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                            "filter \"device\": \"%s\" is not a Bluetooth address "
                            "(AA:BB:CC:DD:EE:FF)",
                            text);
                return FALSE;
            }
            g_free(*address);
            *address = g_ascii_strup(text, -1);
        } else if (g_str_equal(key, "outcome")) {
            if (!g_strv_contains(outcomes, text)) {
                g_autofree char *list = g_strjoinv(", ", (char **)outcomes);
                g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                            "filter \"outcome\": \"%s\" is not one of %s", text, list);
                return FALSE;
            }
            f->outcome = text;
        } else if (g_str_equal(key, "programme")) {
            f->programme_id = text;
        } else {
            f->client = text;
        }
    }
    f->since = *since;
    f->until = *until;
    f->device_address = *address;
    return TRUE;
}

static gboolean handle_query_history(MsdManager1 *m, GDBusMethodInvocation *inv, GVariant *filter,
                                     gpointer user_data)
{
    MsdDaemon *d = user_data;
    if (!history_available(d, inv))
        return TRUE;
    /* The filter's strings point into `filter`, which outlives the query. */
    MsdHistoryFilter f = {0};
    g_autofree char *since = NULL, *until = NULL, *address = NULL;
    g_autoptr(GError) error = NULL;
    GVariant *rows = NULL;
    if (parse_history_filter(filter, &f, &since, &until, &address, &error))
        rows = msd_history_query(d->history, &f, &error);
    if (!rows)
        msd_error_return(inv, error);
    else
        msd_manager1_complete_query_history(m, inv, rows);
    return TRUE;
}

static gboolean handle_get_history_entry(MsdManager1 *m, GDBusMethodInvocation *inv, gint64 id,
                                         gpointer user_data)
{
    MsdDaemon *d = user_data;
    if (!history_available(d, inv))
        return TRUE;
    g_autoptr(GError) error = NULL;
    GVariant *row = msd_history_get(d->history, id, &error);
    if (!row)
        msd_error_return(inv, error);
    else
        msd_manager1_complete_get_history_entry(m, inv, row);
    return TRUE;
}

void msd_daemon_remove_session(MsdDaemon *d, MsdSession *s)
{
    g_dbus_object_manager_server_unexport(d->om, msd_session_get_path(s));
    g_hash_table_remove(d->sessions, msd_session_get_path(s));
}

void msd_manager_export(MsdDaemon *d)
{
    d->manager = msd_manager1_skeleton_new();
    msd_authority_guard(G_DBUS_INTERFACE_SKELETON(d->manager)); /* before the handlers */
    msd_manager1_set_version(d->manager, MASSAGED_VERSION);
    msd_manager1_set_adapter(d->manager, d->config.adapter);
    msd_manager1_set_time_scale(d->manager, d->time_scale);
    msd_manager1_set_discovering(d->manager, FALSE);
    g_signal_connect(d->manager, "handle-start-discovery", G_CALLBACK(handle_start_discovery), d);
    g_signal_connect(d->manager, "handle-stop-discovery", G_CALLBACK(handle_stop_discovery), d);
    g_signal_connect(d->manager, "handle-stop-all", G_CALLBACK(handle_stop_all), d);
    g_signal_connect(d->manager, "handle-list-programmes", G_CALLBACK(handle_list_programmes), d);
    g_signal_connect(d->manager, "handle-list-programme-details",
                     G_CALLBACK(handle_list_programme_details), d);
    g_signal_connect(d->manager, "handle-get-programme", G_CALLBACK(handle_get_programme), d);
    g_signal_connect(d->manager, "handle-validate-programme", G_CALLBACK(handle_validate_programme),
                     d);
    g_signal_connect(d->manager, "handle-import-programme", G_CALLBACK(handle_import_programme), d);
    g_signal_connect(d->manager, "handle-replace-programme", G_CALLBACK(handle_replace_programme),
                     d);
    g_signal_connect(d->manager, "handle-remove-programme", G_CALLBACK(handle_remove_programme), d);
    g_signal_connect(d->manager, "handle-start", G_CALLBACK(handle_start), d);
    g_signal_connect(d->manager, "handle-query-history", G_CALLBACK(handle_query_history), d);
    g_signal_connect(d->manager, "handle-get-history-entry", G_CALLBACK(handle_get_history_entry),
                     d);
    msd_client_manager_connect(d);
}
