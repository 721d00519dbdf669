/* massagectl devices: every device the daemon knows. */
#include "cli/client.h"

int mctl_cmd_devices(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "",
                            "Lists the devices massaged knows (found by 'scan').", &rc))
        return rc;
    if (argc > 1)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "devices takes no arguments");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(GPtrArray) devices = mctl_client_devices(c);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "devices");
        json_builder_begin_array(b);
        for (guint i = 0; i < devices->len; i++)
            mctl_json_add_device(b, devices->pdata[i]);
        json_builder_end_array(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }
    if (devices->len == 0) {
        printf("No devices. Find one with 'massagectl scan'.\n");
        return MCTL_EXIT_OK;
    }
    printf("%-17s  %-20s  %-10s  %-10s  %s\n", "ADDRESS", "NAME", "DRIVER", "KIND", "STATE");
    for (guint i = 0; i < devices->len; i++) {
        MsdDevice1 *d = devices->pdata[i];
        printf("%-17s  %-20s  %-10s  %-10s  %s\n", msd_device1_get_address(d),
               msd_device1_get_name(d), msd_device1_get_driver(d), msd_device1_get_kind(d),
               msd_device1_get_state(d));
    }
    return MCTL_EXIT_OK;
}
