/* massagectl devices: every device the daemon knows. */
#include "cli/client.h"

int mctl_cmd_devices(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "",
        .summary = "Lists the devices massaged knows (found by 'scan').",
        .arg_error = "devices takes no arguments",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(GPtrArray) devices = mctl_client_devices(c);
    if (ctx->json) {
        mctl_print_devices_json(devices);
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
