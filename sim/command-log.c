/* JSON lines written with json-glib, one fflush per line: a reader never sees
 * half a line, and a crash loses nothing already logged. */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/command-log.h"

struct _SimLog {
    FILE *fp;
    gboolean owns_fp;
};

gint64 sim_log_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

SimLog *sim_log_open(const char *path, GError **error)
{
    SimLog *log = g_new0(SimLog, 1);
    if (!path || !*path)
        return log;
    if (g_str_equal(path, "-")) {
        log->fp = stdout;
        return log;
    }
    log->fp = fopen(path, "a");
    if (!log->fp) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "--log %s: %s", path,
                    g_strerror(err));
        g_free(log);
        return NULL;
    }
    log->owns_fp = TRUE;
    return log;
}

void sim_log_free(SimLog *log)
{
    if (!log)
        return;
    if (log->fp && log->owns_fp)
        fclose(log->fp);
    g_free(log);
}

static void emit(SimLog *log, JsonBuilder *b)
{
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *line = json_to_string(root, FALSE);
    fprintf(log->fp, "%s\n", line);
    fflush(log->fp);
}

static JsonBuilder *begin(const char *dev)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "t_ns");
    json_builder_add_int_value(b, sim_log_now_ns());
    json_builder_set_member_name(b, "dev");
    json_builder_add_string_value(b, dev);
    return b;
}

void sim_log_write(SimLog *log, const char *dev, const char *char_uuid, const guint8 *data,
                   gsize len, const MpCommand *cmd, gboolean has_seq, guint seq,
                   const char *error_msg)
{
    if (!log || !log->fp)
        return;
    g_autoptr(JsonBuilder) b = begin(dev);
    g_autofree char *hex = mp_hex_format(data, len);
    json_builder_set_member_name(b, "char");
    json_builder_add_string_value(b, char_uuid);
    json_builder_set_member_name(b, "hex");
    json_builder_add_string_value(b, hex);
    if (cmd) {
        json_builder_set_member_name(b, "cmd");
        json_builder_add_string_value(b, mp_command_kind_to_string(cmd->kind));
        if (cmd->kind == MP_CMD_INTENSITY || cmd->kind == MP_CMD_SPEED ||
            cmd->kind == MP_CMD_MODE) {
            json_builder_set_member_name(b, "value");
            if (cmd->value == (double)(gint64)cmd->value)
                json_builder_add_int_value(b, (gint64)cmd->value);
            else
                json_builder_add_double_value(b, cmd->value);
        }
    }
    if (has_seq) {
        json_builder_set_member_name(b, "seq");
        json_builder_add_int_value(b, seq);
    }
    if (error_msg) {
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, error_msg);
    }
    emit(log, b);
}

void sim_log_event(SimLog *log, const char *dev, const char *event, ...)
{
    if (!log || !log->fp)
        return;
    g_autoptr(JsonBuilder) b = begin(dev);
    json_builder_set_member_name(b, "event");
    json_builder_add_string_value(b, event);
    va_list ap;
    va_start(ap, event);
    for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *)) {
        const char *value = va_arg(ap, const char *);
        json_builder_set_member_name(b, key);
        json_builder_add_string_value(b, value);
    }
    va_end(ap);
    emit(log, b);
}
