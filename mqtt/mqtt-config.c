#include "mqtt/mqtt-config.h"

#include <string.h>
#include <unistd.h>

#include "protocol/text-file.h"

G_DEFINE_QUARK(massaged - mqtt - config - error, mqb_config_error)

void mqb_config_init(MqbConfig *config)
{
    memset(config, 0, sizeof(*config));
    char host[256] = "localhost";
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
        strcpy(host, "localhost");
    /* Topic levels and client ids must not hold '+', '#' or '/'. */
    g_strdelimit(host, "+#/ ", '_');
    config->host = g_strdup("localhost");
    config->port = 1883;
    config->client_id = g_strdup_printf("massaged-mqtt-%s", host);
    config->qos = 1;
    config->keepalive_s = 30;
    config->tls_verify = TRUE;
    config->base_topic = g_strdup_printf("massaged/%s", host);
    config->discovery = TRUE;
    config->discovery_prefix = g_strdup("homeassistant");
    config->state_interval_ms = 1000;
    config->reconnect_max_ms = 30000;
}

void mqb_config_clear(MqbConfig *config)
{
    g_free(config->host);
    g_free(config->client_id);
    g_free(config->username);
    g_free(config->password_file);
    g_free(config->ca_file);
    g_free(config->cert_file);
    g_free(config->key_file);
    g_free(config->base_topic);
    g_free(config->discovery_prefix);
    memset(config, 0, sizeof(*config));
}

gboolean mqb_topic_is_valid(const char *topic)
{
    if (!topic || !*topic || topic[0] == '/' || g_str_has_suffix(topic, "/"))
        return FALSE;
    if (strpbrk(topic, "+#") || strstr(topic, "//"))
        return FALSE;
    return g_utf8_validate(topic, -1, NULL) && strlen(topic) < 1024;
}

typedef MpConfigSource Src;

static gboolean get_string(const Src *s, const char *group, const char *key, char **inout,
                           GError **error)
{
    g_autofree char *v = mp_config_get(s, group, key);
    if (!v)
        return TRUE;
    if (!g_utf8_validate(v, -1, NULL))
        return mp_config_error(s, error, group, key, "not UTF-8");
    g_free(*inout);
    *inout = *v ? g_steal_pointer(&v) : NULL; /* an empty value unsets it */
    return TRUE;
}

static gboolean get_path(const Src *s, const char *group, const char *key, char **inout,
                         GError **error)
{
    if (!get_string(s, group, key, inout, error))
        return FALSE;
    if (*inout && !g_path_is_absolute(*inout))
        return mp_config_error(s, error, group, key, "\"%s\" is not an absolute path", *inout);
    return TRUE;
}

static gboolean get_bool(const Src *s, const char *group, const char *key, gboolean *inout,
                         GError **error)
{
    g_autofree char *v = mp_config_get(s, group, key);
    if (!v)
        return TRUE;
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    g_autofree char *lower = g_ascii_strdown(v, -1);
    if (g_strv_contains(yes, lower))
        *inout = TRUE;
    else if (g_strv_contains(no, lower))
        *inout = FALSE;
    else
        return mp_config_error(s, error, group, key, "\"%s\" is not yes or no", v);
    return TRUE;
}

static gboolean get_uint(const Src *s, const char *group, const char *key, guint64 min, guint64 max,
                         guint64 *out, gboolean *present, GError **error)
{
    g_autofree char *v = mp_config_get(s, group, key);
    *present = v != NULL;
    if (!v)
        return TRUE;
    guint64 n = 0;
    g_autoptr(GError) local = NULL;
    if (!g_ascii_string_to_unsigned(v, 10, min, max, &n, &local))
        return mp_config_error(s, error, group, key,
                               "\"%s\" is not a whole number from %" G_GUINT64_FORMAT
                               " to %" G_GUINT64_FORMAT,
                               v, min, max);
    *out = n;
    return TRUE;
}

/* A duration (1m30s, 500ms, 2h; a bare number is seconds) up to `max` ms. */
static gboolean get_duration_ms(const Src *s, const char *group, const char *key, guint64 max,
                                guint *inout, GError **error)
{
    guint64 ms = 0;
    gboolean present = FALSE;
    if (!mp_config_get_duration(s, group, key, max, &ms, &present, error))
        return FALSE;
    if (present)
        *inout = (guint)ms;
    return TRUE;
}

static void config_copy(MqbConfig *dst, const MqbConfig *src)
{
    *dst = *src;
    dst->host = g_strdup(src->host);
    dst->client_id = g_strdup(src->client_id);
    dst->username = g_strdup(src->username);
    dst->password_file = g_strdup(src->password_file);
    dst->ca_file = g_strdup(src->ca_file);
    dst->cert_file = g_strdup(src->cert_file);
    dst->key_file = g_strdup(src->key_file);
    dst->base_topic = g_strdup(src->base_topic);
    dst->discovery_prefix = g_strdup(src->discovery_prefix);
}

static gboolean load_into(MqbConfig *next, const Src *s, GError **error)
{
    static const char *const groups[] = {"Broker", "TLS", "Topics", "HomeAssistant", NULL};
    static const char *const broker_keys[] = {
        "Host", "Port",      "ClientId",          "Username", "PasswordFile",
        "QoS",  "KeepAlive", "ReconnectMaxDelay", NULL};
    static const char *const tls_keys[] = {"Enabled", "CAFile", "CertFile",
                                           "KeyFile", "Verify", NULL};
    static const char *const topic_keys[] = {"Base", "StateInterval", NULL};
    static const char *const ha_keys[] = {"Discovery", "Prefix", NULL};
    static const char *const *const keys[] = {broker_keys, tls_keys, topic_keys, ha_keys};
    if (!mp_config_check_names(s, groups, keys, error))
        return FALSE;

    guint64 n = 0;
    gboolean has = FALSE;
    if (!get_string(s, "Broker", "Host", &next->host, error))
        return FALSE;
    if (!next->host)
        return mp_config_error(s, error, "Broker", "Host", "must not be empty");
    if (!get_uint(s, "Broker", "Port", 1, 65535, &n, &has, error))
        return FALSE;
    if (has)
        next->port = (int)n;
    if (!get_string(s, "Broker", "ClientId", &next->client_id, error) ||
        !get_string(s, "Broker", "Username", &next->username, error) ||
        !get_path(s, "Broker", "PasswordFile", &next->password_file, error))
        return FALSE;
    if (!next->client_id || strlen(next->client_id) > 200)
        return mp_config_error(s, error, "Broker", "ClientId", "must be 1 to 200 characters");
    if (!get_uint(s, "Broker", "QoS", 0, 2, &n, &has, error))
        return FALSE;
    if (has)
        next->qos = (int)n;
    guint keepalive_ms = next->keepalive_s * 1000;
    if (!get_duration_ms(s, "Broker", "KeepAlive", 3600 * 1000, &keepalive_ms, error) ||
        !get_duration_ms(s, "Broker", "ReconnectMaxDelay", 3600 * 1000, &next->reconnect_max_ms,
                         error))
        return FALSE;
    if (keepalive_ms < 5000)
        return mp_config_error(s, error, "Broker", "KeepAlive", "must be at least 5s");
    next->keepalive_s = keepalive_ms / 1000;
    if (next->reconnect_max_ms < 1000)
        return mp_config_error(s, error, "Broker", "ReconnectMaxDelay", "must be at least 1s");

    g_autofree char *tls_raw = mp_config_get(s, "TLS", "Enabled");
    if (!get_bool(s, "TLS", "Enabled", &next->tls, error) ||
        !get_path(s, "TLS", "CAFile", &next->ca_file, error) ||
        !get_path(s, "TLS", "CertFile", &next->cert_file, error) ||
        !get_path(s, "TLS", "KeyFile", &next->key_file, error) ||
        !get_bool(s, "TLS", "Verify", &next->tls_verify, error))
        return FALSE;
    if (!tls_raw && next->ca_file)
        next->tls = TRUE; /* a CA file means TLS, unless Enabled=no says otherwise */
    if ((next->cert_file == NULL) != (next->key_file == NULL))
        return mp_config_error(s, error, "TLS", next->cert_file ? "KeyFile" : "CertFile",
                               "CertFile and KeyFile go together");

    if (!get_string(s, "Topics", "Base", &next->base_topic, error))
        return FALSE;
    if (!mqb_topic_is_valid(next->base_topic))
        return mp_config_error(s, error, "Topics", "Base",
                               "\"%s\" is not a topic (no '+', '#', empty levels or leading '/')",
                               next->base_topic ? next->base_topic : "");
    if (!get_duration_ms(s, "Topics", "StateInterval", 60 * 1000, &next->state_interval_ms, error))
        return FALSE;

    if (!get_bool(s, "HomeAssistant", "Discovery", &next->discovery, error) ||
        !get_string(s, "HomeAssistant", "Prefix", &next->discovery_prefix, error))
        return FALSE;
    if (!mqb_topic_is_valid(next->discovery_prefix))
        return mp_config_error(s, error, "HomeAssistant", "Prefix", "\"%s\" is not a topic",
                               next->discovery_prefix ? next->discovery_prefix : "");
    return TRUE;
}

gboolean mqb_config_load_data(MqbConfig *config, const char *text, const char *origin,
                              GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &local)) {
        /* GKeyFile's parse errors already quote the offending line. */
        g_set_error(error, MQB_CONFIG_ERROR, 0, "%s: %s", origin, local->message);
        return FALSE;
    }
    const Src s = {kf, text, origin, MQB_CONFIG_ERROR, 0};
    MqbConfig next;
    config_copy(&next, config); /* work on a copy: nothing changes on error */
    if (!load_into(&next, &s, error)) {
        mqb_config_clear(&next);
        return FALSE;
    }
    mqb_config_clear(config);
    *config = next;
    return TRUE;
}

static gboolean parse_text(const char *text, gsize len, const char *source, gpointer config,
                           GError **error)
{
    return mqb_config_load_data(config, text, source, error);
}

gboolean mqb_config_load(MqbConfig *config, const char *path, gboolean required,
                         const char *dropin_dir, GError **error)
{
    return mp_config_files_load(path, required, dropin_dir, parse_text, config, MQB_CONFIG_ERROR, 0,
                                error);
}

gboolean mqb_config_set_broker(MqbConfig *config, const char *text, GError **error)
{
    g_autofree char *host = NULL;
    const char *port = NULL;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (close[1] != '\0' && close[1] != ':'))
            goto bad;
        host = g_strndup(text + 1, close - text - 1);
        port = close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon && strchr(text, ':') == colon) {
            host = g_strndup(text, colon - text);
            port = colon + 1;
        } else {
            host = g_strdup(text);
        }
    }
    if (!*host)
        goto bad;
    guint64 n = 1883;
    if (port && !g_ascii_string_to_unsigned(port, 10, 1, 65535, &n, NULL))
        goto bad;
    g_free(config->host);
    config->host = g_steal_pointer(&host);
    if (port)
        config->port = (int)n;
    return TRUE;
bad:
    g_set_error(error, MQB_CONFIG_ERROR, 0,
                "--broker \"%s\": expected HOST or HOST:PORT (port 1 to 65535)", text);
    return FALSE;
}
