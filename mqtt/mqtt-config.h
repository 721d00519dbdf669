/* massaged-mqtt's configuration: /etc/massaged/mqtt.conf, then its drop-ins
 * (mqtt.conf.d/NAME.conf in name order), then the command line. */
#pragma once

#include <glib.h>

#define MQB_CONFIG_ERROR (mqb_config_error_quark())
GQuark mqb_config_error_quark(void);

typedef struct {
    char *host;
    int port;
    char *client_id;
    char *username;
    char *password_file;
    int qos;
    guint keepalive_s;
    /* TLS: on when TLS=yes or a CA file is given; the broker's certificate and
     * name are verified unless Verify=no. */
    gboolean tls;
    char *ca_file;
    char *cert_file;
    char *key_file;
    gboolean tls_verify;
    char *base_topic;
    gboolean discovery;
    char *discovery_prefix;
    guint state_interval_ms; /* at most one state publish per device per interval */
    guint reconnect_max_ms;
} MqbConfig;

void mqb_config_init(MqbConfig *config);
void mqb_config_clear(MqbConfig *config);
/* Parses TEXT (ORIGIN names it in errors: "FILE:LINE: [Group] Key: why"). */
gboolean mqb_config_load_data(MqbConfig *config, const char *text, const char *origin,
                              GError **error);
/* PATH (missing is fine unless REQUIRED), then DROPIN_DIR/NAME.conf in name order. */
gboolean mqb_config_load(MqbConfig *config, const char *path, gboolean required,
                         const char *dropin_dir, GError **error);
/* "host" or "host:port" (or "[v6]:port"). */
gboolean mqb_config_set_broker(MqbConfig *config, const char *text, GError **error);
/* A topic a publisher may use: not empty, no wildcards, no leading or trailing '/'. */
gboolean mqb_topic_is_valid(const char *topic);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MqbConfig, mqb_config_clear)
