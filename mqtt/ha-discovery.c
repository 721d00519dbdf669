/* Home Assistant MQTT discovery: one retained config per entity on
 * <prefix>/<component>/<node_id>/<object_id>/config. Every entity carries a
 * unique_id, the device entry and two availability topics (the bridge's, with
 * its last will, and the device's); all must say "online". */
#include "mqtt/bridge.h"

#include <string.h>

typedef struct {
    const char *component;
    const char *object; /* object_id suffix, also the unique_id suffix */
    const char *name;
    const char *press;    /* button: the command payload */
    const char *template; /* sensors: value_template */
    const char *device_class;
    const char *unit;
    const char *icon;
} Entity;

static const Entity entities[] = {
    {"select", "programme", "Programme", NULL, "{{ value_json.selected_programme }}", NULL, NULL,
     "mdi:playlist-play"},
    {"button", "start", "Start", "{\"command\":\"start\"}", NULL, NULL, NULL, "mdi:play"},
    {"button", "stop", "Stop", "{\"command\":\"stop\"}", NULL, NULL, NULL, "mdi:stop"},
    {"button", "pause", "Pause", "{\"command\":\"pause\"}", NULL, NULL, NULL, "mdi:pause"},
    {"button", "resume", "Resume", "{\"command\":\"resume\"}", NULL, NULL, NULL, "mdi:play-pause"},
    {"button", "next", "Next step", "{\"command\":\"next\"}", NULL, NULL, NULL, "mdi:skip-next"},
    {"number", "scale", "Scale", NULL, "{{ value_json.selected_scale }}", NULL, "%",
     "mdi:tune-vertical"},
    {"sensor", "battery", "Battery", NULL, "{{ value_json.battery }}", "battery", "%", NULL},
    {"sensor", "state", "State", NULL,
     "{{ value_json.session.state if value_json.session else value_json.state }}", NULL, NULL,
     "mdi:state-machine"},
    {"sensor", "step", "Current step", NULL,
     "{{ ('%d/%d %s' % (value_json.session.step, value_json.session.step_count, "
     "value_json.session.step_name)) if value_json.session else 'none' }}",
     NULL, NULL, "mdi:format-list-numbered"},
    {"sensor", "remaining", "Remaining time", NULL,
     "{{ ((value_json.session.remaining_ms / 1000) | round(0)) if value_json.session else 0 }}",
     "duration", "s", NULL},
    {"binary_sensor", "connected", "Connected", NULL,
     "{{ 'ON' if value_json.connected else 'OFF' }}", "connectivity", NULL, NULL},
};

static char *config_topic(MqbDevice *dev, const Entity *e)
{
    MqbBridge *bridge = dev->bridge;
    return g_strdup_printf("%s/%s/%s/%s_%s/config", bridge->config->discovery_prefix, e->component,
                           bridge->node_id, dev->id, e->object);
}

static void add_member_str(JsonBuilder *b, const char *key, const char *value)
{
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, value);
}

static char *dup_prop(MqbDevice *dev, const char *name)
{
    g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(dev->proxy, name);
    return v && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ? g_variant_dup_string(v, NULL)
                                                               : g_strdup("");
}

static JsonNode *entity_config(MqbDevice *dev, const Entity *e)
{
    MqbBridge *bridge = dev->bridge;
    g_autofree char *state = mqb_device_topic(bridge, dev, "state");
    g_autofree char *set = mqb_device_topic(bridge, dev, "set");
    g_autofree char *avail = mqb_device_topic(bridge, dev, "availability");
    g_autofree char *name = dup_prop(dev, "Name");
    g_autofree char *driver = dup_prop(dev, "Driver");
    g_autofree char *kind = dup_prop(dev, "Kind");
    g_autofree char *address = dup_prop(dev, "Address");
    g_autofree char *unique = g_strdup_printf("%s_%s_%s", bridge->node_id, dev->id, e->object);
    /* Per hub: two rooms may both have a device at the same address. */
    g_autofree char *ident = g_strdup_printf("%s_%s", bridge->node_id, dev->id);

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_member_str(b, "name", e->name);
    add_member_str(b, "unique_id", unique);
    add_member_str(b, "object_id", unique);
    if (e->icon)
        add_member_str(b, "icon", e->icon);
    if (e->device_class)
        add_member_str(b, "device_class", e->device_class);
    if (e->unit)
        add_member_str(b, "unit_of_measurement", e->unit);

    json_builder_set_member_name(b, "availability");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    add_member_str(b, "topic", bridge->availability_topic);
    json_builder_end_object(b);
    json_builder_begin_object(b);
    add_member_str(b, "topic", avail);
    json_builder_end_object(b);
    json_builder_end_array(b);
    add_member_str(b, "availability_mode", "all");

    json_builder_set_member_name(b, "device");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "identifiers");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, ident);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "connections");
    json_builder_begin_array(b);
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "bluetooth");
    json_builder_add_string_value(b, address);
    json_builder_end_array(b);
    json_builder_end_array(b);
    add_member_str(b, "name", *name ? name : address);
    /* The driver is the best the daemon knows of maker and model. */
    add_member_str(b, "manufacturer", *driver ? driver : "unknown");
    g_autofree char *model = g_strdup_printf("%s (%s)", *driver ? driver : "unknown", kind);
    add_member_str(b, "model", model);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "origin");
    json_builder_begin_object(b);
    add_member_str(b, "name", "massaged-mqtt");
    json_builder_end_object(b);

    if (strcmp(e->component, "button") == 0) {
        add_member_str(b, "command_topic", set);
        add_member_str(b, "payload_press", e->press);
    } else {
        add_member_str(b, "state_topic", state);
        add_member_str(b, "value_template", e->template);
    }
    if (strcmp(e->component, "select") == 0) {
        add_member_str(b, "command_topic", set);
        add_member_str(b, "command_template",
                       "{\"command\":\"select\",\"programme\":\"{{ value }}\"}");
        json_builder_set_member_name(b, "options");
        json_builder_begin_array(b);
        for (guint i = 0; bridge->programme_ids && i < bridge->programme_ids->len; i++)
            json_builder_add_string_value(b, bridge->programme_ids->pdata[i]);
        json_builder_end_array(b);
    } else if (strcmp(e->component, "number") == 0) {
        add_member_str(b, "command_topic", set);
        add_member_str(b, "command_template", "{\"command\":\"scale\",\"scale\":{{ value }}}");
        json_builder_set_member_name(b, "min");
        json_builder_add_int_value(b, 10);
        json_builder_set_member_name(b, "max");
        json_builder_add_int_value(b, 100);
        json_builder_set_member_name(b, "step");
        json_builder_add_int_value(b, 5);
        add_member_str(b, "mode", "slider");
    } else if (strcmp(e->component, "binary_sensor") == 0) {
        add_member_str(b, "payload_on", "ON");
        add_member_str(b, "payload_off", "OFF");
    } else if (strcmp(e->object, "battery") == 0) {
        add_member_str(b, "state_class", "measurement");
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

void mqb_discovery_publish(MqbDevice *dev)
{
    /* Home Assistant rejects a select without options: wait for the list. */
    if (!dev->bridge->config->discovery || !dev->bridge->programme_ids ||
        dev->bridge->programme_ids->len == 0)
        return;
    for (gsize i = 0; i < G_N_ELEMENTS(entities); i++) {
        g_autofree char *topic = config_topic(dev, &entities[i]);
        g_autoptr(JsonNode) config = entity_config(dev, &entities[i]);
        mqb_publish_json(dev->bridge, topic, config, TRUE);
    }
}

void mqb_discovery_clear(MqbDevice *dev)
{
    if (!dev->bridge->link)
        return;
    /* Every entity, published or not this run: a config retained by an
     * earlier run of the bridge must go too. */
    for (gsize i = 0; i < G_N_ELEMENTS(entities); i++) {
        g_autofree char *topic = config_topic(dev, &entities[i]);
        mqb_link_publish(dev->bridge->link, topic, "", 0, TRUE);
    }
}
