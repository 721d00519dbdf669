/* org.massaged.Manager1 at /org/massaged: discovery, the programme store,
 * Start and StopAll. */
#include <string.h>

#include "config.h"
#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/session.h"

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

static gboolean handle_stop_all(MsdManager1 *m, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdDaemon *d = user_data;
    msd_info("StopAll from %s", g_dbus_method_invocation_get_sender(inv));
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        MsdDevice *dev = v;
        if (msd_device_is_ready(dev))
            msd_device_stop(dev, "stopped", NULL, NULL);
        else if (msd_device_get_session(dev))
            msd_session_end(msd_device_get_session(dev), "stopped");
    }
    g_dbus_method_invocation_return_value(inv, NULL);
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

static gboolean handle_import_programme(MsdManager1 *m, GDBusMethodInvocation *inv,
                                        const char *text, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *id = msd_programme_store_import(d->store, text, &error);
    if (!id) {
        msd_info("ImportProgramme from %s refused: %s", g_dbus_method_invocation_get_sender(inv),
                 error->message);
        msd_error_return(inv, error);
    } else {
        msd_manager1_complete_import_programme(m, inv, id);
    }
    return TRUE;
}

static gboolean handle_remove_programme(MsdManager1 *m, GDBusMethodInvocation *inv, const char *id,
                                        gpointer user_data)
{
    MsdDaemon *d = user_data;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->sessions);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        if (!msd_session_is_ended(v) && g_str_equal(msd_session_get_programme_id(v), id)) {
            g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_BUSY,
                                                  "programme \"%s\" is playing in %s", id,
                                                  msd_session_get_path(v));
            return TRUE;
        }
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
    MsdSessionOptions opts;
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
    if (msd_device_get_session(dev)) {
        g_dbus_method_invocation_return_error(
            inv, MSD_ERROR, MSD_ERROR_BUSY, "%s is already playing %s", msd_device_get_address(dev),
            msd_session_get_path(msd_device_get_session(dev)));
        return TRUE;
    }
    MsdProgrammeEntry *e = msd_programme_store_lookup(d->store, programme_id, &error);
    if (!e) {
        msd_error_return(inv, error);
        return TRUE;
    }
    guint id = ++d->next_session;
    MsdSession *s =
        msd_session_new(d, id, dev, e, &opts, g_dbus_method_invocation_get_sender(inv), &error);
    if (!s) {
        msd_error_return(inv, error);
        return TRUE;
    }
    g_hash_table_insert(d->sessions, g_strdup(msd_session_get_path(s)), s);
    g_dbus_object_manager_server_export(d->om, msd_session_get_object(s));
    msd_manager1_complete_start(m, inv, msd_session_get_path(s));
    msd_session_start(s);
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
    msd_manager1_set_version(d->manager, MASSAGED_VERSION);
    msd_manager1_set_adapter(d->manager, d->config.adapter);
    msd_manager1_set_time_scale(d->manager, d->time_scale);
    msd_manager1_set_discovering(d->manager, FALSE);
    g_signal_connect(d->manager, "handle-start-discovery", G_CALLBACK(handle_start_discovery), d);
    g_signal_connect(d->manager, "handle-stop-discovery", G_CALLBACK(handle_stop_discovery), d);
    g_signal_connect(d->manager, "handle-stop-all", G_CALLBACK(handle_stop_all), d);
    g_signal_connect(d->manager, "handle-list-programmes", G_CALLBACK(handle_list_programmes), d);
    g_signal_connect(d->manager, "handle-get-programme", G_CALLBACK(handle_get_programme), d);
    g_signal_connect(d->manager, "handle-validate-programme", G_CALLBACK(handle_validate_programme),
                     d);
    g_signal_connect(d->manager, "handle-import-programme", G_CALLBACK(handle_import_programme), d);
    g_signal_connect(d->manager, "handle-remove-programme", G_CALLBACK(handle_remove_programme), d);
    g_signal_connect(d->manager, "handle-start", G_CALLBACK(handle_start), d);
}
