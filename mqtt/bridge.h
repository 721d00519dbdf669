/* The bridge: follows org.massaged's objects (one GDBusObjectManagerClient,
 * which also follows the daemon restarting) and mirrors them on MQTT; turns
 * commands from MQTT into D-Bus calls. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mqtt/mqtt-config.h"
#include "mqtt/mqtt-link.h"

typedef struct MqbBridge MqbBridge;

/* One Device1 the daemon exports, and its current session if any. */
typedef struct {
    MqbBridge *bridge;
    char *path;
    char *id; /* the address, lower case, no colons: a topic level and an HA id */
    GDBusProxy *proxy;
    GDBusProxy *session;
    gulong session_signal_id;
    gulong session_props_id;
    gulong props_id;
    char *selected_programme; /* Home Assistant's select, until changed */
    double selected_scale;
    gint64 last_publish_us;
    guint publish_timer;
    char *last_published_state; /* connection/state/session state: changes skip the rate limit */
} MqbDevice;

struct MqbBridge {
    const MqbConfig *config;
    MqbLink *link;
    GDBusConnection *bus;
    GDBusObjectManager *om;
    GHashTable *devices; /* path -> MqbDevice */
    GPtrArray *programme_ids;
    JsonNode *programmes; /* the last ListProgrammes, as published */
    char *availability_topic;
    char *node_id;  /* base topic with '/' as '_': Home Assistant's node_id */
    GQueue pending; /* commands of the last read, after any stop in it */
    guint pending_idle;
};

MqbBridge *mqb_bridge_new(const MqbConfig *config, GDBusConnection *bus, GError **error);
void mqb_bridge_free(MqbBridge *bridge);
void mqb_bridge_set_link(MqbBridge *bridge, MqbLink *link);
/* MqbLink callbacks. */
void mqb_bridge_on_connected(gpointer bridge);
void mqb_bridge_on_message(const MqbMessage *msg, gpointer bridge);

/* Topics. */
char *mqb_device_topic(const MqbBridge *bridge, const MqbDevice *dev, const char *leaf);
/* Publishes JSON (not retained unless RETAIN). */
void mqb_publish_json(MqbBridge *bridge, const char *topic, JsonNode *node, gboolean retain);
/* The device's state now, as published on …/state. */
JsonNode *mqb_device_state(MqbDevice *dev);
/* Publishes …/state now or when the rate limit allows (never dropped). */
void mqb_device_state_changed(MqbDevice *dev);
MqbDevice *mqb_bridge_find_device(MqbBridge *bridge, const char *id);
/* Reads massaged's programme list again; publishes it (and discovery) if it changed. */
void mqb_bridge_refresh_programmes(MqbBridge *bridge);

/* ha-discovery.c */
void mqb_discovery_publish(MqbDevice *dev);
void mqb_discovery_clear(MqbDevice *dev);

/* commands.c: a message on a …/set topic. */
typedef struct MqbCommand MqbCommand;
MqbCommand *mqb_command_parse(MqbBridge *bridge, const MqbMessage *msg);
gboolean mqb_command_is_stop(const MqbCommand *cmd);
void mqb_command_run(MqbCommand *cmd); /* takes it */
void mqb_command_free(MqbCommand *cmd);
