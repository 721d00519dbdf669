/* massagectl battery [DEV]: battery levels. */
#include "cli/client.h"

int mctl_cmd_battery(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "[DEV]",
        .summary = "Shows the battery level of DEV, or of every known device.",
        .max_args = 1,
        .arg_error = "battery takes at most one device",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(GPtrArray) devices = NULL;
    if (argc > 1) {
        MsdDevice1 *d = mctl_client_find_device(c, ctx, argv[1], &rc);
        if (!d)
            return rc;
        devices = g_ptr_array_new_with_free_func(g_object_unref);
        g_ptr_array_add(devices, d);
    } else {
        devices = mctl_client_devices(c);
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < devices->len; i++) {
        MsdDevice1 *d = devices->pdata[i];
        gint level = msd_device1_get_battery(d);
        if (ctx->json) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "address");
            json_builder_add_string_value(b, msd_device1_get_address(d));
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, msd_device1_get_name(d));
            mctl_json_add_battery(b, level);
            json_builder_end_object(b);
        } else if (level >= 0) {
            printf("%s %s: %d%%\n", msd_device1_get_address(d), msd_device1_get_name(d), level);
        } else {
            printf("%s %s: unknown%s\n", msd_device1_get_address(d), msd_device1_get_name(d),
                   msd_device1_get_connected(d) ? "" : " (not connected)");
        }
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    if (ctx->json)
        mctl_print_json_builder(b);
    else if (devices->len == 0)
        printf("No devices. Find one with 'massagectl scan'.\n");
    return MCTL_EXIT_OK;
}
