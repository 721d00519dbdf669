/* The MQTT side: one libmosquitto client driven by the GLib main loop (its
 * socket watched with g_unix_fd_add, never a thread, never a blocking call
 * after the first connect), reconnecting with backoff. MQTT 5, so replies can
 * go to a sender's response topic with its correlation data. */
#pragma once

#include <glib.h>

#include "mqtt/mqtt-config.h"

typedef struct MqbLink MqbLink;

/* A message as it arrived: PAYLOAD is NUL-terminated (LEN bytes before the NUL);
 * RESPONSE_TOPIC and CORRELATION (CORR_LEN bytes) are NULL when absent. */
typedef struct {
    const char *topic;
    const char *payload;
    gsize len;
    const char *response_topic;
    const void *correlation;
    gsize corr_len;
} MqbMessage;

typedef struct {
    /* Connected (again): subscribe and republish everything retained. */
    void (*connected)(gpointer user_data);
    /* A batch of messages that arrived in one read, in order. */
    void (*message)(const MqbMessage *msg, gpointer user_data);
} MqbLinkCallbacks;

/* Fails only on bad settings (e.g. an unreadable password file or CA file). */
MqbLink *mqb_link_new(const MqbConfig *config, const char *will_topic, const MqbLinkCallbacks *cb,
                      gpointer user_data, GError **error);
void mqb_link_free(MqbLink *link);
/* Starts connecting; failures are logged and retried with backoff. */
void mqb_link_start(MqbLink *link);
gboolean mqb_link_is_connected(MqbLink *link);
/* Queued in libmosquitto and written as soon as the socket takes it. Does
 * nothing (returns FALSE) while disconnected: everything retained is published
 * again on connect. */
gboolean mqb_link_publish(MqbLink *link, const char *topic, const void *payload, gsize len,
                          gboolean retain);
gboolean mqb_link_publish_reply(MqbLink *link, const char *topic, const char *payload,
                                const void *correlation, gsize corr_len);
gboolean mqb_link_subscribe(MqbLink *link, const char *pattern);
/* Publishes the "offline" will by hand and disconnects cleanly (exit). */
void mqb_link_shutdown(MqbLink *link, const char *will_topic);
