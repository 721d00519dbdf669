#include "mqtt/mqtt-link.h"

#include <glib-unix.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <string.h>

#define BACKOFF_INITIAL_MS 500

struct MqbLink {
    struct mosquitto *mosq;
    MqbConfig config; /* the parts we need, copied */
    char *host;
    char *password;
    int qos;
    guint keepalive_s;
    guint reconnect_max_ms;
    MqbLinkCallbacks cb;
    gpointer user_data;
    guint fd_watch;
    int watched_fd;
    GIOCondition watched_cond;
    guint misc_timer;
    guint retry_timer;
    guint backoff_ms;
    gboolean connected;
    gboolean connecting;
    gboolean ever_connected;
    gboolean shutting_down;
};

static void schedule_retry(MqbLink *link);
static void update_watch(MqbLink *link);

static const char *connack_words(int rc)
{
    switch (rc) {
    case MQTT_RC_NOT_AUTHORIZED:
    case 5: /* MQTT 3.1.1 "not authorised" */
        return "not authorised (check Username and PasswordFile, and the broker's ACL)";
    case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
    case 4:
        return "bad username or password (check Username and PasswordFile)";
    case MQTT_RC_CLIENTID_NOT_VALID:
        return "client id refused (check ClientId)";
    case MQTT_RC_SERVER_UNAVAILABLE:
        return "broker unavailable";
    default:
        return mosquitto_reason_string(rc);
    }
}

static void on_connect(struct mosquitto *mosq, void *data, int rc, int flags,
                       const mosquitto_property *props)
{
    MqbLink *link = data;
    link->connecting = FALSE;
    if (rc != 0) {
        g_warning("MQTT broker %s:%d refused the connection: %s", link->host, link->config.port,
                  connack_words(rc));
        return; /* the disconnect that follows schedules a retry */
    }
    g_message("connected to MQTT broker %s:%d%s", link->host, link->config.port,
              link->config.tls ? " (TLS)" : "");
    link->connected = TRUE;
    link->ever_connected = TRUE;
    link->backoff_ms = BACKOFF_INITIAL_MS;
    if (link->cb.connected)
        link->cb.connected(link->user_data);
    update_watch(link);
}

static void on_disconnect(struct mosquitto *mosq, void *data, int rc, const mosquitto_property *p)
{
    MqbLink *link = data;
    gboolean was = link->connected;
    link->connected = FALSE;
    link->connecting = FALSE;
    if (link->shutting_down)
        return;
    if (was)
        g_warning("lost the MQTT broker %s:%d (%s); reconnecting", link->host, link->config.port,
                  mosquitto_strerror(rc));
    schedule_retry(link);
}

static void on_message(struct mosquitto *mosq, void *data, const struct mosquitto_message *m,
                       const mosquitto_property *props)
{
    MqbLink *link = data;
    if (!link->cb.message)
        return;
    char *response_topic = NULL;
    void *corr = NULL;
    uint16_t corr_len = 0;
    mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false);
    mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len, false);
    /* libmosquitto NUL-terminates every payload, one byte past payloadlen. */
    MqbMessage msg = {
        m->topic, m->payload ? m->payload : "", (gsize)m->payloadlen, response_topic, corr,
        corr_len};
    link->cb.message(&msg, link->user_data);
    free(response_topic);
    free(corr);
}

static void on_log(struct mosquitto *mosq, void *data, int level, const char *str)
{
    if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
        g_warning("libmosquitto: %s", str);
    else
        g_debug("libmosquitto: %s", str);
}

static void drop_connection(MqbLink *link, int rc)
{
    if (link->shutting_down)
        return;
    gboolean was = link->connected || link->connecting;
    link->connected = FALSE;
    link->connecting = FALSE;
    if (rc == MOSQ_ERR_TLS)
        g_warning("MQTT broker %s:%d: TLS handshake failed (check CAFile, the broker's "
                  "certificate and its name; see the libmosquitto/OpenSSL lines above)",
                  link->host, link->config.port);
    else if (was)
        g_warning("MQTT connection to %s:%d failed: %s", link->host, link->config.port,
                  mosquitto_strerror(rc));
    mosquitto_disconnect(link->mosq);
    if (link->fd_watch) {
        g_source_remove(link->fd_watch);
        link->fd_watch = 0;
        link->watched_fd = -1;
    }
    schedule_retry(link);
}

static gboolean on_socket(int fd, GIOCondition cond, gpointer data)
{
    MqbLink *link = data;
    int rc = MOSQ_ERR_SUCCESS;
    if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))
        rc = mosquitto_loop_read(link->mosq, 1);
    if (rc == MOSQ_ERR_SUCCESS && (cond & G_IO_OUT))
        rc = mosquitto_loop_write(link->mosq, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
        link->fd_watch = 0;
        link->watched_fd = -1;
        drop_connection(link, rc);
        return G_SOURCE_REMOVE;
    }
    update_watch(link);
    return G_SOURCE_CONTINUE;
}

/* Watches the socket for reading, and for writing while libmosquitto has
 * something queued. Called after anything that may queue a packet. */
static void update_watch(MqbLink *link)
{
    int fd = mosquitto_socket(link->mosq);
    if (fd < 0) {
        if (link->fd_watch)
            g_source_remove(link->fd_watch);
        link->fd_watch = 0;
        link->watched_fd = -1;
        return;
    }
    GIOCondition cond = G_IO_IN | G_IO_HUP | G_IO_ERR;
    if (mosquitto_want_write(link->mosq) || link->connecting)
        cond |= G_IO_OUT;
    if (link->fd_watch && link->watched_fd == fd && link->watched_cond == cond)
        return;
    if (link->fd_watch)
        g_source_remove(link->fd_watch);
    link->fd_watch = g_unix_fd_add(fd, cond, on_socket, link);
    link->watched_fd = fd;
    link->watched_cond = cond;
}

static gboolean on_misc(gpointer data)
{
    MqbLink *link = data;
    if (mosquitto_socket(link->mosq) >= 0) {
        int rc = mosquitto_loop_misc(link->mosq); /* keepalive pings, QoS retries */
        if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
            drop_connection(link, rc);
            return G_SOURCE_CONTINUE;
        }
        update_watch(link);
    }
    return G_SOURCE_CONTINUE;
}

static void try_connect(MqbLink *link)
{
    link->connecting = TRUE;
    /* Non-blocking TCP connect; the name lookup itself is getaddrinfo (a
     * numeric address or /etc/hosts name returns at once). */
    int rc = mosquitto_connect_bind_async(link->mosq, link->host, link->config.port,
                                          (int)link->keepalive_s, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        link->connecting = FALSE;
        g_warning(
            "cannot reach MQTT broker %s:%d: %s; retrying in %u ms", link->host, link->config.port,
            rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc), link->backoff_ms);
        schedule_retry(link);
        return;
    }
    update_watch(link);
}

static gboolean on_retry(gpointer data)
{
    MqbLink *link = data;
    link->retry_timer = 0;
    try_connect(link);
    return G_SOURCE_REMOVE;
}

static void schedule_retry(MqbLink *link)
{
    if (link->retry_timer || link->shutting_down)
        return;
    if (link->fd_watch) {
        g_source_remove(link->fd_watch);
        link->fd_watch = 0;
        link->watched_fd = -1;
    }
    /* Jitter, so many bridges do not hammer a restarted broker in step. */
    guint delay = link->backoff_ms + g_random_int_range(0, (gint)link->backoff_ms / 4 + 1);
    link->retry_timer = g_timeout_add(delay, on_retry, link);
    link->backoff_ms = MIN(link->backoff_ms * 2, link->reconnect_max_ms);
}

static char *read_password(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error)) {
        g_prefix_error(error, "[Broker] PasswordFile: ");
        return NULL;
    }
    char *nl = strpbrk(text, "\r\n");
    if (nl)
        *nl = '\0';
    return g_steal_pointer(&text);
}

MqbLink *mqb_link_new(const MqbConfig *config, const char *will_topic, const MqbLinkCallbacks *cb,
                      gpointer user_data, GError **error)
{
    mosquitto_lib_init();
    g_autofree MqbLink *link = g_new0(MqbLink, 1);
    link->config = *config; /* scalars only; strings below are our own copies */
    link->host = g_strdup(config->host);
    link->config.host = link->host;
    link->keepalive_s = config->keepalive_s;
    link->reconnect_max_ms = config->reconnect_max_ms;
    link->qos = config->qos;
    link->cb = *cb;
    link->user_data = user_data;
    link->watched_fd = -1;
    link->backoff_ms = BACKOFF_INITIAL_MS;
    link->mosq = mosquitto_new(config->client_id, true, link);
    if (!link->mosq) {
        g_set_error(error, MQB_CONFIG_ERROR, 0, "cannot create the MQTT client: %s",
                    g_strerror(errno));
        g_free(link->host);
        return NULL;
    }
    mosquitto_int_option(link->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    /* Small packets (a stop's reply, a state) go out now, not after Nagle's wait. */
    mosquitto_int_option(link->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_v5_callback_set(link->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(link->mosq, on_disconnect);
    mosquitto_message_v5_callback_set(link->mosq, on_message);
    mosquitto_log_callback_set(link->mosq, on_log);

    int rc;
    if (config->username) {
        if (config->password_file) {
            link->password = read_password(config->password_file, error);
            if (!link->password)
                goto fail;
        }
        rc = mosquitto_username_pw_set(link->mosq, config->username, link->password);
        if (rc != MOSQ_ERR_SUCCESS) {
            g_set_error(error, MQB_CONFIG_ERROR, 0, "[Broker] Username: %s",
                        mosquitto_strerror(rc));
            goto fail;
        }
    }
    if (config->tls) {
        rc = mosquitto_tls_set(link->mosq, config->ca_file,
                               config->ca_file ? NULL : "/etc/ssl/certs", config->cert_file,
                               config->key_file, NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
            g_set_error(error, MQB_CONFIG_ERROR, 0, "[TLS]: cannot use CAFile/CertFile/KeyFile: %s",
                        mosquitto_strerror(rc));
            goto fail;
        }
        mosquitto_tls_opts_set(link->mosq, config->tls_verify ? 1 : 0, NULL, NULL);
        mosquitto_tls_insecure_set(link->mosq, !config->tls_verify);
    }
    rc = mosquitto_will_set_v5(link->mosq, will_topic, 7, "offline", link->qos, true, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        g_set_error(error, MQB_CONFIG_ERROR, 0, "cannot set the last will on %s: %s", will_topic,
                    mosquitto_strerror(rc));
        goto fail;
    }
    link->misc_timer = g_timeout_add_seconds(1, on_misc, link);
    return g_steal_pointer(&link);
fail:
    mosquitto_destroy(link->mosq);
    g_free(link->host);
    if (link->password)
        memset(link->password, 0, strlen(link->password));
    g_free(link->password);
    return NULL;
}

void mqb_link_start(MqbLink *link)
{
    try_connect(link);
}

gboolean mqb_link_is_connected(MqbLink *link)
{
    return link->connected;
}

gboolean mqb_link_publish(MqbLink *link, const char *topic, const void *payload, gsize len,
                          gboolean retain)
{
    if (!link->connected)
        return FALSE;
    int rc =
        mosquitto_publish_v5(link->mosq, NULL, topic, (int)len, payload, link->qos, retain, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        g_warning("publish to %s failed: %s", topic, mosquitto_strerror(rc));
        return FALSE;
    }
    update_watch(link);
    return TRUE;
}

gboolean mqb_link_publish_reply(MqbLink *link, const char *topic, const char *payload,
                                const void *correlation, gsize corr_len)
{
    if (!link->connected)
        return FALSE;
    mosquitto_property *props = NULL;
    if (correlation)
        mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation,
                                      (uint16_t)corr_len);
    int rc = mosquitto_publish_v5(link->mosq, NULL, topic, (int)strlen(payload), payload, link->qos,
                                  false, props);
    mosquitto_property_free_all(&props);
    if (rc != MOSQ_ERR_SUCCESS) {
        g_warning("reply to %s failed: %s", topic, mosquitto_strerror(rc));
        return FALSE;
    }
    update_watch(link);
    return TRUE;
}

gboolean mqb_link_subscribe(MqbLink *link, const char *pattern)
{
    if (!link->connected)
        return FALSE;
    int rc = mosquitto_subscribe_v5(link->mosq, NULL, pattern, link->qos, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS)
        g_warning("subscribe to %s failed: %s", pattern, mosquitto_strerror(rc));
    update_watch(link);
    return rc == MOSQ_ERR_SUCCESS;
}

void mqb_link_shutdown(MqbLink *link, const char *will_topic)
{
    if (link->connected) {
        mosquitto_publish_v5(link->mosq, NULL, will_topic, 7, "offline", link->qos, true, NULL);
        /* Flush what is queued, bounded: a stalled broker must not hold up exit. */
        gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;
        while (mosquitto_want_write(link->mosq) && g_get_monotonic_time() < deadline) {
            if (mosquitto_loop(link->mosq, 50, 1) != MOSQ_ERR_SUCCESS)
                break;
        }
        link->shutting_down = TRUE;
        mosquitto_disconnect(link->mosq);
        mosquitto_loop(link->mosq, 50, 1);
    }
    link->shutting_down = TRUE;
}

void mqb_link_free(MqbLink *link)
{
    if (!link)
        return;
    link->shutting_down = TRUE;
    if (link->fd_watch)
        g_source_remove(link->fd_watch);
    if (link->misc_timer)
        g_source_remove(link->misc_timer);
    if (link->retry_timer)
        g_source_remove(link->retry_timer);
    mosquitto_destroy(link->mosq);
    mosquitto_lib_cleanup();
    if (link->password)
        memset(link->password, 0, strlen(link->password));
    g_free(link->password);
    g_free(link->host);
    g_free(link);
}
