/* massagectl history show ID: one recorded session in full. */
#include "cli/history-query.h"

int mctl_cmd_history_show(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "ID",
        .summary = "Shows one recorded session (an id from 'massagectl history').",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "show needs exactly one session id",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    guint64 id = 0;
    if (!g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXINT64, &id, NULL))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Ids are the numbers 'massagectl history' lists.",
                         "'%s' is not a session id", argv[1]);
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(GVariant) row = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_get_history_entry_sync(c->manager, (gint64)id, &row, NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        mctl_history_entry_json(b, row);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }
    for (guint i = 0; mctl_history_columns[i]; i++) {
        g_autofree char *v = mctl_history_field(row, mctl_history_columns[i]);
        if (*v)
            printf("%-15s %s\n", mctl_history_columns[i], v);
    }
    return MCTL_EXIT_OK;
}
