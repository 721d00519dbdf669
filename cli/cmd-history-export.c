/* massagectl history export --csv [FILTERS] [--output FILE]: the sessions as
 * CSV (RFC 4180: a header row, CRLF line ends, fields with a comma, quote or
 * line break quoted, quotes doubled) for a therapist's spreadsheet. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "cli/history-query.h"

static void csv_field(GString *out, const char *v)
{
    if (!strpbrk(v, ",\"\r\n")) {
        g_string_append(out, v);
        return;
    }
    g_string_append_c(out, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}

int mctl_cmd_history_export(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    gboolean csv = FALSE;
    g_autofree char *output = NULL;
    MctlHistoryFilter f = {.limit = -1}; /* -1: no --limit */
    GOptionEntry filters[8];
    mctl_history_filter_entries(&f, filters);
    GOptionEntry entries[10] = {
        {"csv", 0, 0, G_OPTION_ARG_NONE, &csv, "As CSV (the one format so far)", NULL},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE (never overwritten)",
         "FILE"},
    };
    memcpy(entries + 2, filters, sizeof filters);
    const MctlArgs args = {
        .params = "",
        .summary = "Writes the recorded sessions, oldest first, as CSV.",
        .entries = entries,
        .max_args = -1, /* any: checked below, with --csv */
        .text_only = TRUE,
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc)) {
        mctl_history_filter_clear(&f);
        return rc;
    }
    if (!csv || argc != 1) {
        mctl_history_filter_clear(&f);
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Try 'massagectl history export --csv'.",
                         argc != 1 ? "unexpected argument" : "export needs a format: --csv");
    }
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    g_autoptr(GVariant) rows = c ? mctl_history_query(ctx, c, &f, &rc) : NULL;
    mctl_history_filter_clear(&f);
    if (!rows)
        return rc;
    g_autoptr(GString) out = g_string_new(NULL);
    for (guint i = 0; mctl_history_columns[i]; i++) {
        if (i)
            g_string_append_c(out, ',');
        csv_field(out, mctl_history_columns[i]);
    }
    g_string_append(out, "\r\n");
    for (gsize r = 0; r < g_variant_n_children(rows); r++) {
        g_autoptr(GVariant) row = g_variant_get_child_value(rows, r);
        for (guint i = 0; mctl_history_columns[i]; i++) {
            g_autofree char *v = mctl_history_field(row, mctl_history_columns[i]);
            if (i)
                g_string_append_c(out, ',');
            csv_field(out, v);
        }
        g_string_append(out, "\r\n");
    }
    if (!output) {
        fwrite(out->str, 1, out->len, stdout);
        return MCTL_EXIT_OK;
    }
    /* Never overwrite: a therapist's earlier export stays. */
    int fd = g_open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        return mctl_fail(ctx, e == EEXIST ? MCTL_EXIT_USAGE : MCTL_EXIT_FAILURE, NULL,
                         "cannot write %s: %s", output, g_strerror(e));
    }
    gboolean ok = write(fd, out->str, out->len) == (gssize)out->len;
    int e = errno;
    close(fd);
    if (!ok)
        return mctl_fail(ctx, MCTL_EXIT_FAILURE, NULL, "cannot write %s: %s", output,
                         g_strerror(e));
    return MCTL_EXIT_OK;
}
