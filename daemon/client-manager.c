/* Manager1's client-profile methods: ListClients, GetClient, SaveClient,
 * RemoveClient, over the store (daemon/client-store.h). */
#include "daemon/client-manager.h"

#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"

static gboolean handle_list(MsdManager1 *m, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GPtrArray) list = msd_client_store_list(d->clients);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ss)"));
    for (guint i = 0; i < list->len; i++) {
        const MpClientProfile *p = list->pdata[i];
        g_autofree char *summary = msd_client_profile_summary(p);
        g_variant_builder_add(&b, "(ss)", p->label, summary);
    }
    msd_manager1_complete_list_clients(m, inv, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean handle_get(MsdManager1 *m, GDBusMethodInvocation *inv, const char *label,
                           gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    const MpClientProfile *p = msd_client_store_lookup(d->clients, label, &error);
    if (!p) {
        msd_error_return(inv, error);
        return TRUE;
    }
    g_autofree char *text = mp_client_profile_to_text(p);
    msd_manager1_complete_get_client(m, inv, text);
    return TRUE;
}

static gboolean handle_save(MsdManager1 *m, GDBusMethodInvocation *inv, const char *text,
                            gboolean replace, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *label = msd_client_store_save(d->clients, text, replace, &error);
    if (!label) {
        msd_info("SaveClient from %s refused: %s", g_dbus_method_invocation_get_sender(inv),
                 error->message);
        msd_error_return(inv, error);
        return TRUE;
    }
    msd_manager1_complete_save_client(m, inv, label);
    return TRUE;
}

static gboolean handle_remove(MsdManager1 *m, GDBusMethodInvocation *inv, const char *label,
                              gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    if (!msd_client_store_remove(d->clients, label, &error))
        msd_error_return(inv, error);
    else
        msd_manager1_complete_remove_client(m, inv);
    return TRUE;
}

void msd_client_manager_connect(MsdDaemon *d)
{
    g_signal_connect(d->manager, "handle-list-clients", G_CALLBACK(handle_list), d);
    g_signal_connect(d->manager, "handle-get-client", G_CALLBACK(handle_get), d);
    g_signal_connect(d->manager, "handle-save-client", G_CALLBACK(handle_save), d);
    g_signal_connect(d->manager, "handle-remove-client", G_CALLBACK(handle_remove), d);
}
