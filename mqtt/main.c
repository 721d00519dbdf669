/* massaged-mqtt: bridges org.massaged to an MQTT broker, with Home Assistant
 * discovery. See massaged-mqtt(8) and docs/mqtt.md. */
#include <glib-unix.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "mqtt/bridge.h"
#include "mqtt/mqtt-config.h"
#include "mqtt/mqtt-link.h"

static gboolean on_signal(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    g_autofree char *config_path = NULL;
    g_autofree char *config_dir = NULL;
    g_autofree char *broker = NULL;
    g_autofree char *base_topic = NULL;
    gboolean verbose = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
         "Configuration file (default " MASSAGED_SYSCONFDIR "/mqtt.conf)", "FILE"},
        {"config-dir", 0, 0, G_OPTION_ARG_FILENAME, &config_dir,
         "Drop-in directory (default FILE.d)", "DIR"},
        {"broker", 'b', 0, G_OPTION_ARG_STRING, &broker, "MQTT broker, overriding the file",
         "HOST[:PORT]"},
        {"base-topic", 't', 0, G_OPTION_ARG_STRING, &base_topic,
         "Base topic, overriding the file (default massaged/<hostname>)", "TOPIC"},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("- MQTT bridge for massaged");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "massaged-mqtt: %s (see --help)\n", error->message);
        return 2;
    }
    if (version) {
        printf("massaged-mqtt %s\n", MASSAGED_VERSION);
        return 0;
    }
    if (verbose)
        g_setenv("G_MESSAGES_DEBUG", "all", TRUE);

    g_auto(MqbConfig) config;
    mqb_config_init(&config);
    gboolean required = config_path != NULL;
    if (!config_path)
        config_path = g_strdup(MASSAGED_SYSCONFDIR "/mqtt.conf");
    if (!config_dir)
        config_dir = g_strdup_printf("%s.d", config_path);
    if (!mqb_config_load(&config, config_path, required, config_dir, &error) ||
        (broker && !mqb_config_set_broker(&config, broker, &error))) {
        fprintf(stderr, "massaged-mqtt: %s\n", error->message);
        return 1;
    }
    if (base_topic) {
        if (!mqb_topic_is_valid(base_topic)) {
            fprintf(stderr,
                    "massaged-mqtt: --base-topic \"%s\" is not a topic (no '+', '#', empty "
                    "levels or leading '/')\n",
                    base_topic);
            return 1;
        }
        g_free(config.base_topic);
        config.base_topic = g_steal_pointer(&base_topic);
    }

    g_message("massaged-mqtt %s: broker %s:%d%s, base topic %s, discovery %s", MASSAGED_VERSION,
              config.host, config.port, config.tls ? " (TLS)" : "", config.base_topic,
              config.discovery ? config.discovery_prefix : "off");

    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!bus) {
        fprintf(stderr, "massaged-mqtt: cannot reach the system bus: %s\n", error->message);
        return 1;
    }
    MqbBridge *bridge = mqb_bridge_new(&config, bus, &error);
    if (!bridge) {
        fprintf(stderr, "massaged-mqtt: %s\n", error->message);
        return 1;
    }
    MqbLinkCallbacks cb = {mqb_bridge_on_connected, mqb_bridge_on_message};
    MqbLink *link = mqb_link_new(&config, bridge->availability_topic, &cb, bridge, &error);
    if (!link) {
        fprintf(stderr, "massaged-mqtt: %s\n", error->message);
        mqb_bridge_free(bridge);
        return 1;
    }
    mqb_bridge_set_link(bridge, link);
    mqb_link_start(link);

    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);
    g_main_loop_run(loop);

    g_message("exiting");
    mqb_link_shutdown(link, bridge->availability_topic);
    mqb_bridge_set_link(bridge, NULL);
    mqb_bridge_free(bridge);
    mqb_link_free(link);
    return 0;
}
