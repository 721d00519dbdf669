/* massagectl history [FILTERS] | history show ID | history export --csv [FILTERS]:
 * the daemon's session history (Manager1.QueryHistory, docs/history.md). */
#include <string.h>

#include "cli/history-query.h"

static int history_list(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    MctlHistoryFilter f = {.limit = -1}; /* -1: no --limit */
    GOptionEntry entries[8];
    mctl_history_filter_entries(&f, entries);
    if (!mctl_parse_options(ctx, &argc, &argv, entries, "",
                            "Lists the recorded sessions, oldest first.", &rc)) {
        mctl_history_filter_clear(&f);
        return rc;
    }
    if (argc != 1) {
        mctl_history_filter_clear(&f);
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Sub-commands: show ID, export --csv.",
                         "unexpected argument '%s'", argv[1]);
    }
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    g_autoptr(GVariant) rows = c ? mctl_history_query(ctx, c, &f, &rc) : NULL;
    mctl_history_filter_clear(&f);
    if (!rows)
        return rc;
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "sessions");
        json_builder_begin_array(b);
        for (gsize i = 0; i < g_variant_n_children(rows); i++) {
            g_autoptr(GVariant) row = g_variant_get_child_value(rows, i);
            mctl_history_entry_json(b, row);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }
    gsize n = g_variant_n_children(rows);
    if (n == 0) {
        printf("No sessions recorded%s.\n", argc > 1 ? " that match" : "");
        return MCTL_EXIT_OK;
    }
    printf("%-5s %-20s %-24s %-17s %-14s %-12s %s\n", "ID", "STARTED (UTC)", "PROGRAMME", "DEVICE",
           "CLIENT", "OUTCOME", "STEPS");
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GVariant) row = g_variant_get_child_value(rows, i);
        g_autofree char *id = mctl_history_field(row, "id");
        g_autofree char *started = mctl_history_field(row, "started_at");
        g_autofree char *prog = mctl_history_field(row, "programme_id");
        g_autofree char *dev = mctl_history_field(row, "device_address");
        g_autofree char *client = mctl_history_field(row, "client");
        g_autofree char *outcome = mctl_history_field(row, "outcome");
        g_autofree char *played = mctl_history_field(row, "steps_played");
        g_autofree char *total = mctl_history_field(row, "steps_total");
        if (strlen(started) >= 19) {
            started[10] = ' ';
            started[19] = '\0'; /* 2026-12-05 23:51:27 */
        }
        printf("%-5s %-20s %-24s %-17s %-14s %-12s %s/%s\n", id, started, prog, dev,
               *client ? client : "-", outcome, played, total);
    }
    return MCTL_EXIT_OK;
}

int mctl_cmd_history(MctlContext *ctx, int argc, char **argv)
{
    static const MctlCommand sub[] = {
        {"list", "[FILTERS]", "List the recorded sessions (the default)", history_list},
        {"show", "ID", "One session in full", mctl_cmd_history_show},
        {"export", "--csv [FILTERS] [--output FILE]", "The sessions as CSV",
         mctl_cmd_history_export},
        {NULL, NULL, NULL, NULL},
    };
    /* Without a sub-command, or with only options: the list. */
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h")) &&
            argc == 2)
            return mctl_run_table(ctx, "history", sub, argc, argv);
        return history_list(ctx, argc, argv);
    }
    return mctl_run_table(ctx, "history", sub, argc, argv);
}
