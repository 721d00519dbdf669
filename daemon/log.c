#include "daemon/log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean log_verbose;

static const char *level_name(GLogLevelFlags level)
{
    if (level & G_LOG_LEVEL_ERROR)
        return "error";
    if (level & G_LOG_LEVEL_CRITICAL)
        return "critical";
    if (level & G_LOG_LEVEL_WARNING)
        return "warning";
    if (level & G_LOG_LEVEL_MESSAGE)
        return "info";
    if (level & G_LOG_LEVEL_INFO)
        return "info";
    return "debug";
}

static GLogWriterOutput stderr_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                      gpointer user_data)
{
    if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !log_verbose)
        return G_LOG_WRITER_HANDLED;
    const char *message = NULL, *device = NULL, *session = NULL, *domain = NULL;
    for (gsize i = 0; i < n_fields; i++) {
        if (fields[i].length != -1)
            continue; /* binary fields are not for a terminal */
        if (strcmp(fields[i].key, "MESSAGE") == 0)
            message = fields[i].value;
        else if (strcmp(fields[i].key, "DEVICE") == 0)
            device = fields[i].value;
        else if (strcmp(fields[i].key, "SESSION") == 0)
            session = fields[i].value;
        else if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
            domain = fields[i].value;
    }
    gint64 now = g_get_monotonic_time();
    GString *line = g_string_new(NULL);
    g_string_append_printf(line, "%" G_GINT64_FORMAT ".%03d %s: ", now / 1000000,
                           (int)((now / 1000) % 1000), level_name(level));
    if (domain && strcmp(domain, MSD_LOG_DOMAIN) != 0)
        g_string_append_printf(line, "(%s) ", domain);
    if (session)
        g_string_append_printf(line, "[%s] ", session);
    if (device)
        g_string_append_printf(line, "[%s] ", device);
    g_string_append(line, message ? message : "");
    g_string_append_c(line, '\n');
    fputs(line->str, stderr);
    fflush(stderr);
    g_string_free(line, TRUE);
    return G_LOG_WRITER_HANDLED;
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                               gpointer user_data)
{
    static int journal = -1;
    if (journal < 0)
        journal = g_log_writer_is_journald(fileno(stderr)) ? 1 : 0;
    if (journal) {
        if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !log_verbose)
            return G_LOG_WRITER_HANDLED;
        if (g_log_writer_journald(level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
            return G_LOG_WRITER_HANDLED;
    }
    return stderr_writer(level, fields, n_fields, user_data);
}

void msd_log_init(gboolean verbose)
{
    log_verbose = verbose;
    g_log_set_writer_func(writer, NULL, NULL);
}
