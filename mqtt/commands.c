/* Commands from MQTT: parsed and checked here, in full, before anything goes
 * to the daemon, so a bad payload gets an error reply and a log line and never
 * becomes a device command. Every command gets exactly one reply. */
#include "mqtt/bridge.h"

#include <string.h>

#include "common/names.h"

/* Larger payloads are refused unread: no command needs more than a note. */
#define MAX_PAYLOAD 16384

typedef enum {
    CMD_START,
    CMD_STOP,
    CMD_PAUSE,
    CMD_RESUME,
    CMD_NEXT,
    CMD_PREVIOUS,
    CMD_ADJUST,
    CMD_CONNECT,
    CMD_DISCONNECT,
    CMD_SELECT,
    CMD_SCALE,
    CMD_STOP_ALL,
    CMD_REFRESH,
} CmdKind;

static const struct {
    const char *name;
    CmdKind kind;
    gboolean global; /* on <base>/set rather than a device's */
} commands[] = {
    {"start", CMD_START, FALSE},
    {"stop", CMD_STOP, FALSE},
    {"pause", CMD_PAUSE, FALSE},
    {"resume", CMD_RESUME, FALSE},
    {"next", CMD_NEXT, FALSE},
    {"previous", CMD_PREVIOUS, FALSE},
    {"adjust", CMD_ADJUST, FALSE},
    {"connect", CMD_CONNECT, FALSE},
    {"disconnect", CMD_DISCONNECT, FALSE},
    {"select", CMD_SELECT, FALSE},
    {"scale", CMD_SCALE, FALSE},
    {"stop-all", CMD_STOP_ALL, TRUE},
    {"refresh", CMD_REFRESH, TRUE},
};

struct MqbCommand {
    MqbBridge *bridge;
    CmdKind kind;
    const char *name;
    char *unknown_name; /* what the sender asked for, when not a command */
    char *device_id;    /* NULL for global commands */
    char *device_path;
    char *request_id; /* the sender's "id", echoed */
    char *reply_topic;
    GBytes *correlation;
    char *programme;
    double number; /* scale or percent */
    gboolean has_number;
    char *client;
    char *note;
};

void mqb_command_free(MqbCommand *cmd)
{
    if (!cmd)
        return;
    g_free(cmd->unknown_name);
    g_free(cmd->device_id);
    g_free(cmd->device_path);
    g_free(cmd->request_id);
    g_free(cmd->reply_topic);
    g_clear_pointer(&cmd->correlation, g_bytes_unref);
    g_free(cmd->programme);
    g_free(cmd->client);
    g_free(cmd->note);
    g_free(cmd);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MqbCommand, mqb_command_free)

gboolean mqb_command_is_stop(const MqbCommand *cmd)
{
    return cmd->kind == CMD_STOP || cmd->kind == CMD_STOP_ALL;
}

static void reply(MqbCommand *cmd, const char *error_text, JsonNode *result)
{
    MqbBridge *bridge = cmd->bridge;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "command");
    json_builder_add_string_value(b, cmd->name ? cmd->name : "");
    if (cmd->device_id) {
        json_builder_set_member_name(b, "device");
        json_builder_add_string_value(b, cmd->device_id);
    }
    if (cmd->request_id) {
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, cmd->request_id);
    }
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, error_text == NULL);
    if (error_text) {
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, error_text);
    }
    if (result) {
        json_builder_set_member_name(b, "result");
        json_builder_add_value(b, json_node_copy(result));
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    g_autofree char *text = json_to_string(node, FALSE);
    g_autofree char *fallback = NULL;
    const char *topic = cmd->reply_topic;
    if (!topic) {
        fallback = cmd->device_id ? g_strdup_printf("%s/device/%s/result",
                                                    bridge->config->base_topic, cmd->device_id)
                                  : g_strdup_printf("%s/result", bridge->config->base_topic);
        topic = fallback;
    }
    gsize corr_len = 0;
    const void *corr = cmd->correlation ? g_bytes_get_data(cmd->correlation, &corr_len) : NULL;
    if (bridge->link)
        mqb_link_publish_reply(bridge->link, topic, text, corr, corr_len);
}

/* A refused command: an error reply and a log line. */
static void refuse(MqbCommand *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void refuse(MqbCommand *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_warning("command %s%s%s refused: %s", cmd->name ? cmd->name : "(none)",
              cmd->device_id ? " for device " : "", cmd->device_id ? cmd->device_id : "", msg);
    reply(cmd, msg, NULL);
}

static gboolean get_string_member(JsonObject *o, const char *key, char **out, gboolean *bad)
{
    JsonNode *n = json_object_get_member(o, key);
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return FALSE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        *bad = TRUE;
        return FALSE;
    }
    *out = g_strdup(json_node_get_string(n));
    return TRUE;
}

static gboolean get_number_member(JsonObject *o, const char *key, double *out, gboolean *bad)
{
    JsonNode *n = json_object_get_member(o, key);
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return FALSE;
    GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
    if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE) {
        *out = json_node_get_double(n);
        return TRUE;
    }
    *bad = TRUE;
    return FALSE;
}

static gboolean known_programme(MqbBridge *bridge, const char *id)
{
    if (!bridge->programme_ids)
        return FALSE;
    for (guint i = 0; i < bridge->programme_ids->len; i++)
        if (strcmp(bridge->programme_ids->pdata[i], id) == 0)
            return TRUE;
    return FALSE;
}

/* Checks the members each command takes; FALSE after a refusal. */
static gboolean check_members(MqbCommand *cmd, JsonObject *o)
{
    static const char *const common[] = {"command", "id", NULL};
    const char *const *allowed = NULL;
    static const char *const start[] = {"programme", "scale", "client", "note", NULL};
    static const char *const adjust[] = {"percent", NULL};
    static const char *const select[] = {"programme", NULL};
    static const char *const scale[] = {"scale", NULL};
    static const char *const none[] = {NULL};
    switch (cmd->kind) {
    case CMD_START:
        allowed = start;
        break;
    case CMD_ADJUST:
        allowed = adjust;
        break;
    case CMD_SELECT:
        allowed = select;
        break;
    case CMD_SCALE:
        allowed = scale;
        break;
    default:
        allowed = none;
    }
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList *l = members; l; l = l->next) {
        if (!g_strv_contains(common, l->data) && !g_strv_contains(allowed, l->data)) {
            refuse(cmd, "unknown member \"%s\" for %s", (char *)l->data, cmd->name);
            return FALSE;
        }
    }
    gboolean bad = FALSE;
    switch (cmd->kind) {
    case CMD_START:
    case CMD_SELECT:
        if (!get_string_member(o, "programme", &cmd->programme, &bad) && bad) {
            refuse(cmd, "\"programme\" must be a string");
            return FALSE;
        }
        if (!cmd->programme && cmd->kind == CMD_SELECT) {
            refuse(cmd, "\"programme\" is required");
            return FALSE;
        }
        if (cmd->kind == CMD_START) {
            if (!get_number_member(o, "scale", &cmd->number, &bad) && bad) {
                refuse(cmd, "\"scale\" must be a number (10 to 100)");
                return FALSE;
            }
            cmd->has_number = json_object_has_member(o, "scale") && !bad &&
                              !JSON_NODE_HOLDS_NULL(json_object_get_member(o, "scale"));
            if ((!get_string_member(o, "client", &cmd->client, &bad) && bad) ||
                (!get_string_member(o, "note", &cmd->note, &bad) && bad)) {
                refuse(cmd, "\"client\" and \"note\" must be strings");
                return FALSE;
            }
        }
        break;
    case CMD_ADJUST:
    case CMD_SCALE: {
        const char *key = cmd->kind == CMD_ADJUST ? "percent" : "scale";
        cmd->has_number = get_number_member(o, key, &cmd->number, &bad);
        if (!cmd->has_number) {
            refuse(cmd, "\"%s\" is required and must be a number (10 to 100)", key);
            return FALSE;
        }
        break;
    }
    default:
        break;
    }
    if (cmd->has_number && !(cmd->number >= 10 && cmd->number <= 100)) {
        refuse(cmd, "%g is outside 10 to 100", cmd->number);
        return FALSE;
    }
    return TRUE;
}

MqbCommand *mqb_command_parse(MqbBridge *bridge, const MqbMessage *msg)
{
    g_autoptr(MqbCommand) cmd = g_new0(MqbCommand, 1);
    cmd->bridge = bridge;
    if (msg->response_topic && mqb_topic_is_valid(msg->response_topic))
        cmd->reply_topic = g_strdup(msg->response_topic);
    if (msg->correlation)
        cmd->correlation = g_bytes_new(msg->correlation, msg->corr_len);

    /* Which topic: <base>/set or <base>/device/<id>/set. */
    const char *base = bridge->config->base_topic;
    gsize blen = strlen(base);
    gboolean global = FALSE;
    if (strncmp(msg->topic, base, blen) != 0 || msg->topic[blen] != '/')
        return NULL; /* not ours (cannot happen with our subscriptions) */
    const char *rest = msg->topic + blen + 1;
    if (strcmp(rest, "set") == 0) {
        global = TRUE;
    } else if (g_str_has_prefix(rest, "device/") && g_str_has_suffix(rest, "/set")) {
        cmd->device_id = g_strndup(rest + 7, strlen(rest) - 7 - 4);
    } else {
        return NULL;
    }

    if (msg->len > MAX_PAYLOAD) {
        refuse(cmd, "payload of %zu bytes is over the %d byte limit", msg->len, MAX_PAYLOAD);
        return NULL;
    }
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    if (!g_utf8_validate(msg->payload, (gssize)msg->len, NULL) ||
        !json_parser_load_from_data(parser, msg->payload, (gssize)msg->len, &error)) {
        refuse(cmd, "payload is not JSON%s%s (expected e.g. {\"command\": \"stop\"})",
               error ? ": " : " (not UTF-8)", error ? error->message : "");
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        refuse(cmd, "payload must be a JSON object (expected e.g. {\"command\": \"stop\"})");
        return NULL;
    }
    JsonObject *o = json_node_get_object(root);
    JsonNode *idn = json_object_get_member(o, "id");
    if (idn && JSON_NODE_HOLDS_VALUE(idn)) {
        GType t = json_node_get_value_type(idn);
        if (t == G_TYPE_STRING)
            cmd->request_id = g_strdup(json_node_get_string(idn));
        else if (t == G_TYPE_INT64)
            cmd->request_id = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(idn));
    }
    g_autofree char *name = NULL;
    gboolean bad = FALSE;
    if (!get_string_member(o, "command", &name, &bad)) {
        refuse(cmd, "\"command\" is missing or not a string");
        return NULL;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i].name, name) == 0 && commands[i].global == global) {
            cmd->kind = commands[i].kind;
            cmd->name = commands[i].name;
        }
    }
    if (!cmd->name) {
        cmd->unknown_name = g_utf8_substring(name, 0, MIN(g_utf8_strlen(name, -1), 64));
        cmd->name = cmd->unknown_name;
        refuse(cmd, "unknown command \"%s\" on %s (known: %s)", cmd->name,
               global ? "the bridge's set topic" : "a device's set topic",
               global ? "stop-all, refresh"
                      : "start, stop, pause, resume, next, previous, adjust, connect, disconnect, "
                        "select, scale");
        return NULL;
    }
    if (!global) {
        MqbDevice *dev = mqb_bridge_find_device(bridge, cmd->device_id);
        if (!dev) {
            refuse(cmd, "unknown device \"%s\"", cmd->device_id);
            return NULL;
        }
        cmd->device_path = g_strdup(dev->path);
    }
    if (!check_members(cmd, o))
        return NULL;
    if (cmd->programme && !known_programme(bridge, cmd->programme)) {
        refuse(cmd, "unknown programme \"%s\" (see %s/programmes)", cmd->programme, base);
        return NULL;
    }
    return g_steal_pointer(&cmd);
}

static void on_reply(GObject *src, GAsyncResult *res, gpointer data)
{
    g_autoptr(MqbCommand) cmd = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
    if (!ret) {
        g_dbus_error_strip_remote_error(error);
        refuse(cmd, "%s", error->message);
        return;
    }
    g_autoptr(JsonNode) result = NULL;
    if (cmd->kind == CMD_START && g_variant_is_of_type(ret, G_VARIANT_TYPE("(o)"))) {
        const char *session = NULL;
        g_variant_get(ret, "(&o)", &session);
        result = json_node_init_string(json_node_alloc(), session);
    } else if (cmd->kind == CMD_REFRESH && g_variant_is_of_type(ret, G_VARIANT_TYPE("(a(ssst))"))) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_array(b);
        g_autoptr(GVariantIter) it = NULL;
        g_variant_get(ret, "(a(ssst))", &it);
        const char *id, *name, *summary;
        guint64 duration;
        while (g_variant_iter_next(it, "(&s&s&st)", &id, &name, &summary, &duration))
            json_builder_add_string_value(b, id);
        json_builder_end_array(b);
        result = json_builder_get_root(b);
    } else if (cmd->kind == CMD_STOP_ALL && g_variant_is_of_type(ret, G_VARIANT_TYPE("(a(os))"))) {
        /* Each device and what happened to it, as the daemon says. */
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_array(b);
        g_autoptr(GVariantIter) it = NULL;
        g_variant_get(ret, "(a(os))", &it);
        const char *path, *what;
        while (g_variant_iter_next(it, "(&o&s)", &path, &what)) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "device");
            json_builder_add_string_value(b, path);
            json_builder_set_member_name(b, "result");
            json_builder_add_string_value(b, what);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        result = json_builder_get_root(b);
    }
    g_message("command %s%s%s: ok", cmd->name, cmd->device_id ? " for device " : "",
              cmd->device_id ? cmd->device_id : "");
    reply(cmd, NULL, result);
}

static void call(MqbCommand *cmd, const char *path, const char *iface, const char *method,
                 GVariant *params)
{
    g_dbus_connection_call(cmd->bridge->bus, MSD_BUS_NAME, path, iface, method, params, NULL,
                           G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_reply, cmd);
}

void mqb_command_run(MqbCommand *cmd)
{
    MqbBridge *bridge = cmd->bridge;
    MqbDevice *dev = cmd->device_id ? mqb_bridge_find_device(bridge, cmd->device_id) : NULL;
    if (cmd->device_id && !dev) {
        refuse(cmd, "device \"%s\" went away", cmd->device_id);
        mqb_command_free(cmd);
        return;
    }
    switch (cmd->kind) {
    case CMD_STOP:
        /* Device1.Stop: stops it whether or not a session plays. */
        call(cmd, dev->path, MSD_DEVICE_IFACE, "Stop", NULL);
        return;
    case CMD_STOP_ALL:
        call(cmd, MSD_ROOT_PATH, MSD_MANAGER_IFACE, "StopAll", NULL);
        return;
    case CMD_REFRESH:
        /* The reply carries massaged's list now; the bridge republishes it too. */
        mqb_bridge_refresh_programmes(bridge);
        call(cmd, MSD_ROOT_PATH, MSD_MANAGER_IFACE, "ListProgrammes", NULL);
        return;
    case CMD_CONNECT:
    case CMD_DISCONNECT:
        call(cmd, dev->path, MSD_DEVICE_IFACE, cmd->kind == CMD_CONNECT ? "Connect" : "Disconnect",
             NULL);
        return;
    case CMD_SELECT:
        g_free(dev->selected_programme);
        dev->selected_programme = g_strdup(cmd->programme);
        reply(cmd, NULL, NULL);
        mqb_command_free(cmd);
        mqb_device_state_changed(dev);
        return;
    case CMD_SCALE:
        dev->selected_scale = cmd->number;
        reply(cmd, NULL, NULL);
        mqb_command_free(cmd);
        mqb_device_state_changed(dev);
        return;
    case CMD_START: {
        const char *programme = cmd->programme ? cmd->programme : dev->selected_programme;
        if (!programme) {
            refuse(cmd, "no programme given and none selected");
            mqb_command_free(cmd);
            return;
        }
        GVariantBuilder opts;
        g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
        double scale = cmd->has_number ? cmd->number : dev->selected_scale;
        if (scale != 100)
            g_variant_builder_add(&opts, "{sv}", "scale", g_variant_new_double(scale));
        /* Only when given: a daemon without them refuses unknown options. */
        if (cmd->client)
            g_variant_builder_add(&opts, "{sv}", "client", g_variant_new_string(cmd->client));
        if (cmd->note)
            g_variant_builder_add(&opts, "{sv}", "note", g_variant_new_string(cmd->note));
        g_message("command start %s on device %s", programme, dev->id);
        call(cmd, MSD_ROOT_PATH, MSD_MANAGER_IFACE, "Start",
             g_variant_new("(os@a{sv})", dev->path, programme, g_variant_builder_end(&opts)));
        return;
    }
    case CMD_PAUSE:
    case CMD_RESUME:
    case CMD_NEXT:
    case CMD_PREVIOUS:
    case CMD_ADJUST: {
        if (!dev->session) {
            refuse(cmd, "no session is playing on device %s", dev->id);
            mqb_command_free(cmd);
            return;
        }
        static const char *const methods[] = {[CMD_PAUSE] = "Pause",
                                              [CMD_RESUME] = "Resume",
                                              [CMD_NEXT] = "Next",
                                              [CMD_PREVIOUS] = "Previous",
                                              [CMD_ADJUST] = "Adjust"};
        call(cmd, g_dbus_proxy_get_object_path(dev->session), MSD_SESSION_IFACE, methods[cmd->kind],
             cmd->kind == CMD_ADJUST ? g_variant_new("(d)", cmd->number) : NULL);
        return;
    }
    }
}
