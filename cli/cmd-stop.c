/* massagectl stop [DEV | --all]: stop now. Without DEV it stops every device:
 * a person who types "stop" in a hurry means everything. */
#include "cli/client.h"

int mctl_cmd_stop(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Stop every device (the default without DEV)",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    if (!mctl_parse_options(ctx, &argc, &argv, entries, "[DEV]",
                            "Stops DEV now, or every device when DEV is not given. The stop goes "
                            "out ahead of anything queued and ends the session.",
                            &rc))
        return rc;
    if (argc > 2 || (all && argc > 1))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "stop takes one device, or --all");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(GError) error = NULL;
    g_autoptr(MsdDevice1) d = NULL;
    if (argc > 1) {
        d = mctl_client_find_device(c, ctx, argv[1], &rc);
        if (!d)
            return rc;
        if (!msd_device1_call_stop_sync(d, NULL, &error)) {
            g_autofree char *what = g_strdup_printf("cannot stop %s", msd_device1_get_name(d));
            return mctl_fail_dbus(ctx, error, what);
        }
    } else if (!msd_manager1_call_stop_all_sync(c->manager, NULL, &error)) {
        return mctl_fail_dbus(ctx, error, "cannot stop");
    }
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "stopped");
        json_builder_add_string_value(b, d ? msd_device1_get_address(d) : "all");
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        printf("Stopped %s.\n", d ? msd_device1_get_name(d) : "every device");
    }
    return MCTL_EXIT_OK;
}
