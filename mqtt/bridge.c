#include "mqtt/bridge.h"

#include <string.h>

#include "common/names.h"

/* A string property from the proxy's cache, or NULL; the caller frees it. */
static char *str_prop(GDBusProxy *p, const char *name)
{
    g_autoptr(GVariant) v = p ? g_dbus_proxy_get_cached_property(p, name) : NULL;
    return v && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ? g_variant_dup_string(v, NULL)
                                                               : NULL;
}

static void add_str(JsonBuilder *b, const char *key, GDBusProxy *p, const char *prop,
                    const char *fallback)
{
    g_autofree char *v = str_prop(p, prop);
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, v ? v : fallback);
}

static gboolean prop_value(GDBusProxy *p, const char *name, const GVariantType *type,
                           GVariant **out)
{
    GVariant *v = p ? g_dbus_proxy_get_cached_property(p, name) : NULL;
    if (v && !g_variant_is_of_type(v, type)) {
        g_variant_unref(v);
        v = NULL;
    }
    *out = v;
    return v != NULL;
}

char *mqb_device_topic(const MqbBridge *bridge, const MqbDevice *dev, const char *leaf)
{
    return g_strdup_printf("%s/device/%s/%s", bridge->config->base_topic, dev->id, leaf);
}

void mqb_publish_json(MqbBridge *bridge, const char *topic, JsonNode *node, gboolean retain)
{
    if (!bridge->link)
        return;
    gsize len = 0;
    g_autofree char *text = json_to_string(node, FALSE);
    len = strlen(text);
    mqb_link_publish(bridge->link, topic, text, len, retain);
}

static void publish_text(MqbBridge *bridge, const char *topic, const char *text, gboolean retain)
{
    if (bridge->link)
        mqb_link_publish(bridge->link, topic, text, strlen(text), retain);
}

MqbDevice *mqb_bridge_find_device(MqbBridge *bridge, const char *id)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, bridge->devices);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        MqbDevice *dev = value;
        if (strcmp(dev->id, id) == 0)
            return dev;
    }
    return NULL;
}

/* ---- state ---- */

JsonNode *mqb_device_state(MqbDevice *dev)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    GVariant *v;
    add_str(b, "address", dev->proxy, "Address", "");
    add_str(b, "name", dev->proxy, "Name", "");
    gboolean connected = FALSE;
    if (prop_value(dev->proxy, "Connected", G_VARIANT_TYPE_BOOLEAN, &v)) {
        connected = g_variant_get_boolean(v);
        g_variant_unref(v);
    }
    json_builder_set_member_name(b, "connected");
    json_builder_add_boolean_value(b, connected);
    json_builder_set_member_name(b, "connection");
    json_builder_add_string_value(b, connected ? "connected" : "disconnected");
    add_str(b, "state", dev->proxy, "State", "unknown");
    json_builder_set_member_name(b, "battery");
    if (prop_value(dev->proxy, "Battery", G_VARIANT_TYPE_INT32, &v) && g_variant_get_int32(v) >= 0)
        json_builder_add_int_value(b, g_variant_get_int32(v));
    else
        json_builder_add_null_value(b);
    g_clear_pointer(&v, g_variant_unref);
    json_builder_set_member_name(b, "intensity");
    if (prop_value(dev->proxy, "Intensity", G_VARIANT_TYPE_DOUBLE, &v)) {
        json_builder_add_double_value(b, g_variant_get_double(v));
        g_variant_unref(v);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "selected_programme");
    if (dev->selected_programme)
        json_builder_add_string_value(b, dev->selected_programme);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "selected_scale");
    json_builder_add_double_value(b, dev->selected_scale);

    json_builder_set_member_name(b, "session");
    GDBusProxy *s = dev->session;
    if (!s) {
        json_builder_add_null_value(b);
    } else {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "path");
        json_builder_add_string_value(b, g_dbus_proxy_get_object_path(s));
        static const struct {
            const char *prop, *key;
        } strings[] = {{"Programme", "programme"}, {"State", "state"},
                       {"StepName", "step_name"},  {"Muscle", "muscle"},
                       {"Side", "side"},           {"Zone", "zone"},
                       {"Prompt", "prompt"},       {"PauseReason", "pause_reason"}};
        for (gsize i = 0; i < G_N_ELEMENTS(strings); i++)
            add_str(b, strings[i].key, s, strings[i].prop, "");
        guint32 step = 0, count = 0;
        guint64 elapsed = 0, duration = 0, started = 0;
        if (prop_value(s, "Step", G_VARIANT_TYPE_UINT32, &v)) {
            step = g_variant_get_uint32(v);
            g_variant_unref(v);
        }
        if (prop_value(s, "StepCount", G_VARIANT_TYPE_UINT32, &v)) {
            count = g_variant_get_uint32(v);
            g_variant_unref(v);
        }
        if (prop_value(s, "Elapsed", G_VARIANT_TYPE_UINT64, &v)) {
            elapsed = g_variant_get_uint64(v);
            g_variant_unref(v);
        }
        if (prop_value(s, "Duration", G_VARIANT_TYPE_UINT64, &v)) {
            duration = g_variant_get_uint64(v);
            g_variant_unref(v);
        }
        if (prop_value(s, "StepStartedAt", G_VARIANT_TYPE_UINT64, &v)) {
            started = g_variant_get_uint64(v);
            g_variant_unref(v);
        }
        /* "step n of N", counted from 1 as a person says it. */
        json_builder_set_member_name(b, "step");
        json_builder_add_int_value(b, count ? step + 1 : 0);
        json_builder_set_member_name(b, "step_count");
        json_builder_add_int_value(b, count);
        json_builder_set_member_name(b, "elapsed_ms");
        json_builder_add_int_value(b, (gint64)elapsed);
        json_builder_set_member_name(b, "duration_ms");
        json_builder_add_int_value(b, (gint64)duration);
        json_builder_set_member_name(b, "remaining_ms");
        json_builder_add_int_value(b, duration > elapsed ? (gint64)(duration - elapsed) : 0);
        json_builder_set_member_name(b, "step_started_at_us");
        json_builder_add_int_value(b, (gint64)started);
        static const struct {
            const char *prop, *key;
        } doubles[] = {{"Scale", "scale"}, {"Intensity", "intensity"}};
        for (gsize i = 0; i < G_N_ELEMENTS(doubles); i++) {
            json_builder_set_member_name(b, doubles[i].key);
            if (prop_value(s, doubles[i].prop, G_VARIANT_TYPE_DOUBLE, &v)) {
                json_builder_add_double_value(b, g_variant_get_double(v));
                g_variant_unref(v);
            } else {
                json_builder_add_null_value(b);
            }
        }
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* What must never wait for the rate limit: connection, device state and
 * session state (playing → finished). */
static char *state_key(MqbDevice *dev)
{
    gboolean connected = FALSE;
    GVariant *v;
    if (prop_value(dev->proxy, "Connected", G_VARIANT_TYPE_BOOLEAN, &v)) {
        connected = g_variant_get_boolean(v);
        g_variant_unref(v);
    }
    g_autofree char *state = str_prop(dev->proxy, "State");
    g_autofree char *sstate = str_prop(dev->session, "State");
    return g_strdup_printf("%d|%s|%s|%s", connected, state ? state : "",
                           dev->session ? g_dbus_proxy_get_object_path(dev->session) : "-",
                           sstate ? sstate : "");
}

static void publish_state_now(MqbDevice *dev)
{
    if (dev->publish_timer) {
        g_source_remove(dev->publish_timer);
        dev->publish_timer = 0;
    }
    MqbBridge *bridge = dev->bridge;
    g_autoptr(JsonNode) state = mqb_device_state(dev);
    g_autofree char *topic = mqb_device_topic(bridge, dev, "state");
    mqb_publish_json(bridge, topic, state, TRUE);
    dev->last_publish_us = g_get_monotonic_time();
    g_free(dev->last_published_state);
    dev->last_published_state = state_key(dev);
}

static gboolean on_publish_timer(gpointer data)
{
    MqbDevice *dev = data;
    dev->publish_timer = 0;
    publish_state_now(dev);
    return G_SOURCE_REMOVE;
}

void mqb_device_state_changed(MqbDevice *dev)
{
    g_autofree char *key = state_key(dev);
    gint64 interval_us = (gint64)dev->bridge->config->state_interval_ms * 1000;
    gint64 since = g_get_monotonic_time() - dev->last_publish_us;
    if (g_strcmp0(key, dev->last_published_state) != 0 || since >= interval_us) {
        publish_state_now(dev);
        return;
    }
    /* Within the interval: the latest state goes out when it ends. */
    if (!dev->publish_timer)
        dev->publish_timer =
            g_timeout_add((guint)((interval_us - since) / 1000) + 1, on_publish_timer, dev);
}

static void publish_event(MqbDevice *dev, const char *event, const char *k1, const char *v1,
                          const char *k2, const char *v2)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_add_string_value(b, event);
    json_builder_set_member_name(b, "device");
    json_builder_add_string_value(b, dev->id);
    json_builder_set_member_name(b, "time_us");
    json_builder_add_int_value(b, g_get_real_time());
    if (dev->session) {
        json_builder_set_member_name(b, "session");
        json_builder_add_string_value(b, g_dbus_proxy_get_object_path(dev->session));
        add_str(b, "programme", dev->session, "Programme", "");
    }
    if (k1) {
        json_builder_set_member_name(b, k1);
        json_builder_add_string_value(b, v1);
    }
    if (k2) {
        json_builder_set_member_name(b, k2);
        json_builder_add_string_value(b, v2);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    g_autofree char *topic = mqb_device_topic(dev->bridge, dev, "event");
    mqb_publish_json(dev->bridge, topic, node, FALSE);
}

/* ---- sessions ---- */

void mqb_bridge_refresh_programmes(MqbBridge *bridge);

static void on_session_signal(GDBusProxy *proxy, const char *sender, const char *signal,
                              GVariant *params, gpointer data)
{
    MqbDevice *dev = data;
    if (strcmp(signal, "StepChanged") == 0 &&
        g_variant_is_of_type(params, G_VARIANT_TYPE("(us)"))) {
        guint32 step = 0;
        const char *name = NULL;
        g_variant_get(params, "(u&s)", &step, &name);
        g_autofree char *n = g_strdup_printf("%u", step + 1);
        publish_event(dev, "step-changed", "step", n, "step_name", name);
        mqb_device_state_changed(dev);
    } else if (strcmp(signal, "Finished") == 0) {
        /* Read by position: (outcome) today, (outcome, detail) with history. */
        const char *outcome = "", *detail = "";
        gsize n = g_variant_n_children(params);
        g_autoptr(GVariant) a0 = n > 0 ? g_variant_get_child_value(params, 0) : NULL;
        g_autoptr(GVariant) a1 = n > 1 ? g_variant_get_child_value(params, 1) : NULL;
        if (a0 && g_variant_is_of_type(a0, G_VARIANT_TYPE_STRING))
            outcome = g_variant_get_string(a0, NULL);
        if (a1 && g_variant_is_of_type(a1, G_VARIANT_TYPE_STRING))
            detail = g_variant_get_string(a1, NULL);
        g_message("device %s: session finished: %s%s%s", dev->id, outcome, *detail ? ": " : "",
                  detail);
        publish_event(dev, "finished", "outcome", outcome, "detail", detail);
        mqb_device_state_changed(dev);
    }
}

static void on_session_props(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer data)
{
    mqb_device_state_changed(data);
}

static void detach_session(MqbDevice *dev)
{
    if (!dev->session)
        return;
    g_signal_handler_disconnect(dev->session, dev->session_signal_id);
    g_signal_handler_disconnect(dev->session, dev->session_props_id);
    g_clear_object(&dev->session);
}

static void attach_session(MqbDevice *dev, GDBusProxy *session, gboolean announce)
{
    if (dev->session == session)
        return;
    detach_session(dev);
    dev->session = g_object_ref(session);
    dev->session_signal_id =
        g_signal_connect(session, "g-signal", G_CALLBACK(on_session_signal), dev);
    dev->session_props_id =
        g_signal_connect(session, "g-properties-changed", G_CALLBACK(on_session_props), dev);
    if (announce) {
        g_autofree char *state = str_prop(session, "State");
        publish_event(dev, "started", "state", state ? state : "", NULL, NULL);
        /* massaged has no signal for an import: a start is a cheap moment to look. */
        mqb_bridge_refresh_programmes(dev->bridge);
    }
    mqb_device_state_changed(dev);
}

static GDBusProxy *session_proxy(MqbBridge *bridge, const char *path)
{
    GDBusInterface *iface =
        g_dbus_object_manager_get_interface(bridge->om, path, MSD_SESSION_IFACE);
    return iface ? G_DBUS_PROXY(iface) : NULL;
}

/* Device1.Session is the truth; follow it. */
static void sync_session(MqbDevice *dev, gboolean announce)
{
    g_autoptr(GVariant) v = NULL;
    const char *path = "/";
    if (prop_value(dev->proxy, "Session", G_VARIANT_TYPE_OBJECT_PATH, &v))
        path = g_variant_get_string(v, NULL);
    if (strcmp(path, "/") == 0) {
        /* Keep a finished session until its object goes: its last state is
         * what the retained topic should say. */
        return;
    }
    g_autoptr(GDBusProxy) s = session_proxy(dev->bridge, path);
    if (s)
        attach_session(dev, s, announce);
}

/* ---- devices ---- */

static void on_device_props(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer data)
{
    MqbDevice *dev = data;
    sync_session(dev, TRUE);
    mqb_device_state_changed(dev);
}

static void device_free(gpointer data)
{
    MqbDevice *dev = data;
    detach_session(dev);
    if (dev->publish_timer)
        g_source_remove(dev->publish_timer);
    g_signal_handler_disconnect(dev->proxy, dev->props_id);
    g_object_unref(dev->proxy);
    g_free(dev->path);
    g_free(dev->id);
    g_free(dev->selected_programme);
    g_free(dev->last_published_state);
    g_free(dev);
}

static void publish_device_all(MqbDevice *dev)
{
    g_autofree char *avail = mqb_device_topic(dev->bridge, dev, "availability");
    publish_text(dev->bridge, avail, "online", TRUE);
    if (dev->bridge->config->discovery)
        mqb_discovery_publish(dev);
    publish_state_now(dev);
}

static void add_device(MqbBridge *bridge, GDBusProxy *proxy)
{
    const char *path = g_dbus_proxy_get_object_path(proxy);
    if (g_hash_table_contains(bridge->devices, path))
        return;
    g_autofree char *address = str_prop(proxy, "Address");
    if (!address || !*address) {
        g_warning("device %s has no Address; not bridged", path);
        return;
    }
    MqbDevice *dev = g_new0(MqbDevice, 1);
    dev->bridge = bridge;
    dev->path = g_strdup(path);
    g_autofree char *lower = g_ascii_strdown(address, -1);
    GString *id = g_string_new(NULL);
    for (const char *c = lower; *c; c++)
        if (g_ascii_isalnum(*c))
            g_string_append_c(id, *c);
    dev->id = g_string_free(id, FALSE);
    dev->proxy = g_object_ref(proxy);
    dev->selected_scale = 100;
    dev->props_id =
        g_signal_connect(proxy, "g-properties-changed", G_CALLBACK(on_device_props), dev);
    g_hash_table_insert(bridge->devices, dev->path, dev);
    g_autofree char *name = str_prop(proxy, "Name");
    g_message("device %s (%s) at %s", dev->id, name ? name : "", path);
    sync_session(dev, FALSE);
    publish_device_all(dev);
}

static void remove_device(MqbBridge *bridge, const char *path, gboolean daemon_gone)
{
    MqbDevice *dev = g_hash_table_lookup(bridge->devices, path);
    if (!dev)
        return;
    g_autofree char *avail = mqb_device_topic(bridge, dev, "availability");
    publish_text(bridge, avail, "offline", TRUE);
    if (!daemon_gone) {
        /* The daemon forgot it: Home Assistant should too. A daemon that
         * restarts keeps its devices, so then they only go offline. */
        g_message("device %s went away; clearing its discovery configs", dev->id);
        mqb_discovery_clear(dev);
        g_autofree char *state = mqb_device_topic(bridge, dev, "state");
        publish_text(bridge, state, "", TRUE);
    }
    g_hash_table_remove(bridge->devices, path);
}

/* ---- programmes ---- */

static void on_programmes(GObject *src, GAsyncResult *res, gpointer data)
{
    MqbBridge *bridge = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
    if (!reply) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_warning("ListProgrammes: %s", error->message);
        return;
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    json_builder_begin_array(b);
    g_autoptr(GVariantIter) it = NULL;
    g_variant_get(reply, "(a(ssst))", &it);
    const char *id, *name, *summary;
    guint64 duration;
    while (g_variant_iter_next(it, "(&s&s&st)", &id, &name, &summary, &duration)) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, id);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, name);
        json_builder_set_member_name(b, "summary");
        json_builder_add_string_value(b, summary);
        json_builder_set_member_name(b, "duration_ms");
        json_builder_add_int_value(b, (gint64)duration);
        json_builder_end_object(b);
        g_ptr_array_add(ids, g_strdup(id));
    }
    json_builder_end_array(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    gboolean changed = !bridge->programmes || !json_node_equal(node, bridge->programmes);
    g_clear_pointer(&bridge->programmes, json_node_unref);
    bridge->programmes = json_node_ref(node);
    g_clear_pointer(&bridge->programme_ids, g_ptr_array_unref);
    bridge->programme_ids = g_steal_pointer(&ids);
    g_autofree char *topic = g_strdup_printf("%s/programmes", bridge->config->base_topic);
    mqb_publish_json(bridge, topic, node, TRUE);
    if (changed && bridge->config->discovery) {
        /* The select's options are the programme list. */
        GHashTableIter hi;
        gpointer value;
        g_hash_table_iter_init(&hi, bridge->devices);
        while (g_hash_table_iter_next(&hi, NULL, &value))
            mqb_discovery_publish(value);
    }
}

void mqb_bridge_refresh_programmes(MqbBridge *bridge)
{
    g_dbus_connection_call(bridge->bus, MSD_BUS_NAME, MSD_ROOT_PATH, MSD_MANAGER_IFACE,
                           "ListProgrammes", NULL, G_VARIANT_TYPE("(a(ssst))"),
                           G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_programmes, bridge);
}

/* ---- the object manager ---- */

static void on_interface_added(MqbBridge *bridge, GDBusInterface *iface)
{
    GDBusProxy *p = G_DBUS_PROXY(iface);
    const char *name = g_dbus_proxy_get_interface_name(p);
    if (strcmp(name, MSD_DEVICE_IFACE) == 0) {
        add_device(bridge, p);
    } else if (strcmp(name, MSD_SESSION_IFACE) == 0) {
        /* Device1.Session may change before or after the object appears. */
        GVariant *v;
        if (prop_value(p, "Device", G_VARIANT_TYPE_OBJECT_PATH, &v)) {
            MqbDevice *dev = g_hash_table_lookup(bridge->devices, g_variant_get_string(v, NULL));
            g_variant_unref(v);
            if (dev)
                sync_session(dev, TRUE);
        }
    }
}

static void on_object_added(GDBusObjectManager *om, GDBusObject *obj, gpointer data)
{
    GList *ifaces = g_dbus_object_get_interfaces(obj);
    for (GList *l = ifaces; l; l = l->next)
        on_interface_added(data, l->data);
    g_list_free_full(ifaces, g_object_unref);
}

static void on_object_removed(GDBusObjectManager *om, GDBusObject *obj, gpointer data)
{
    MqbBridge *bridge = data;
    const char *path = g_dbus_object_get_object_path(obj);
    /* GDBus clears the name owner before it removes a vanished daemon's objects. */
    g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));
    if (g_hash_table_contains(bridge->devices, path)) {
        remove_device(bridge, path, owner == NULL);
        return;
    }
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, bridge->devices);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        MqbDevice *dev = value;
        if (dev->session && strcmp(g_dbus_proxy_get_object_path(dev->session), path) == 0) {
            detach_session(dev);
            mqb_device_state_changed(dev);
        }
    }
}

static void on_name_owner(GObject *om, GParamSpec *pspec, gpointer data)
{
    MqbBridge *bridge = data;
    g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));
    if (owner) {
        g_message("massaged is on the bus (%s)", owner);
        mqb_bridge_refresh_programmes(bridge);
    } else {
        g_warning("massaged left the bus; waiting for it to come back");
    }
}

MqbBridge *mqb_bridge_new(const MqbConfig *config, GDBusConnection *bus, GError **error)
{
    GDBusObjectManager *om = g_dbus_object_manager_client_new_sync(
        bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, MSD_BUS_NAME, MSD_ROOT_PATH, NULL, NULL, NULL,
        NULL, error);
    if (!om)
        return NULL;
    MqbBridge *bridge = g_new0(MqbBridge, 1);
    bridge->config = config;
    bridge->bus = g_object_ref(bus);
    bridge->om = om;
    bridge->devices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, device_free);
    bridge->availability_topic = g_strdup_printf("%s/availability", config->base_topic);
    bridge->node_id = g_strdelimit(g_strdup(config->base_topic), "/", '_');
    g_queue_init(&bridge->pending);
    g_signal_connect(om, "object-added", G_CALLBACK(on_object_added), bridge);
    g_signal_connect(om, "object-removed", G_CALLBACK(on_object_removed), bridge);
    g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_name_owner), bridge);
    GList *objects = g_dbus_object_manager_get_objects(om);
    for (GList *l = objects; l; l = l->next)
        on_object_added(om, l->data, bridge);
    /* Sessions after devices, whatever order the list came in. */
    for (GList *l = objects; l; l = l->next)
        on_object_added(om, l->data, bridge);
    g_list_free_full(objects, g_object_unref);
    g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));
    if (owner)
        mqb_bridge_refresh_programmes(bridge);
    else
        g_warning("massaged is not on the bus yet; waiting for it");
    return bridge;
}

void mqb_bridge_set_link(MqbBridge *bridge, MqbLink *link)
{
    bridge->link = link;
}

void mqb_bridge_on_connected(gpointer data)
{
    MqbBridge *bridge = data;
    const MqbConfig *c = bridge->config;
    publish_text(bridge, bridge->availability_topic, "online", TRUE);
    g_autofree char *global = g_strdup_printf("%s/set", c->base_topic);
    g_autofree char *per_device = g_strdup_printf("%s/device/+/set", c->base_topic);
    mqb_link_subscribe(bridge->link, global);
    mqb_link_subscribe(bridge->link, per_device);
    if (c->discovery) {
        g_autofree char *status = g_strdup_printf("%s/status", c->discovery_prefix);
        mqb_link_subscribe(bridge->link, status);
    }
    /* Everything retained, again: the broker may have lost it. */
    if (bridge->programmes) {
        g_autofree char *topic = g_strdup_printf("%s/programmes", c->base_topic);
        mqb_publish_json(bridge, topic, bridge->programmes, TRUE);
    }
    mqb_bridge_refresh_programmes(bridge);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, bridge->devices);
    while (g_hash_table_iter_next(&it, NULL, &value))
        publish_device_all(value);
}

static gboolean run_pending(gpointer data)
{
    MqbBridge *bridge = data;
    bridge->pending_idle = 0;
    MqbCommand *cmd;
    while ((cmd = g_queue_pop_head(&bridge->pending)))
        mqb_command_run(cmd);
    return G_SOURCE_REMOVE;
}

void mqb_bridge_on_message(const MqbMessage *msg, gpointer data)
{
    MqbBridge *bridge = data;
    const MqbConfig *c = bridge->config;
    if (c->discovery) {
        g_autofree char *status = g_strdup_printf("%s/status", c->discovery_prefix);
        if (strcmp(msg->topic, status) == 0) {
            if (strcmp(msg->payload, "online") == 0) {
                g_message("Home Assistant is online: publishing discovery again");
                GHashTableIter it;
                gpointer value;
                g_hash_table_iter_init(&it, bridge->devices);
                while (g_hash_table_iter_next(&it, NULL, &value)) {
                    mqb_discovery_publish(value);
                    mqb_device_state_changed(value);
                }
            }
            return;
        }
    }
    MqbCommand *cmd = mqb_command_parse(bridge, msg);
    if (!cmd)
        return; /* answered with an error already */
    if (mqb_command_is_stop(cmd)) {
        /* A stop goes to the daemon now, ahead of anything that came with it. */
        mqb_command_run(cmd);
        return;
    }
    g_queue_push_tail(&bridge->pending, cmd);
    if (!bridge->pending_idle)
        bridge->pending_idle = g_idle_add_full(G_PRIORITY_HIGH, run_pending, bridge, NULL);
}

void mqb_bridge_free(MqbBridge *bridge)
{
    if (!bridge)
        return;
    if (bridge->pending_idle)
        g_source_remove(bridge->pending_idle);
    g_queue_clear_full(&bridge->pending, (GDestroyNotify)mqb_command_free);
    g_signal_handlers_disconnect_by_data(bridge->om, bridge);
    g_hash_table_unref(bridge->devices);
    g_object_unref(bridge->om);
    g_object_unref(bridge->bus);
    g_clear_pointer(&bridge->programmes, json_node_unref);
    g_clear_pointer(&bridge->programme_ids, g_ptr_array_unref);
    g_free(bridge->availability_topic);
    g_free(bridge->node_id);
    g_free(bridge);
}
