/* massagectl info DEV: one device in full. */
#include "cli/client.h"

int mctl_cmd_info(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "[DEV]",
        .summary = "Shows one device: DEV is an address, a name or a unique prefix; without DEV, "
                   "the one connected device.",
        .max_args = 1,
        .arg_error = "info takes at most one device",
    };
    g_autoptr(MctlClient) c = NULL;
    g_autoptr(MsdDevice1) d = mctl_begin_device(ctx, &argc, &argv, &args, &c, &rc);
    if (!d)
        return rc;
    if (ctx->json) {
        mctl_print_device_json(d);
        return MCTL_EXIT_OK;
    }
    gint battery = msd_device1_get_battery(d);
    const char *session = msd_device1_get_session(d);
    printf("Address:   %s\n", msd_device1_get_address(d));
    printf("Name:      %s\n", msd_device1_get_name(d));
    printf("Driver:    %s\n", msd_device1_get_driver(d));
    printf("Kind:      %s\n", msd_device1_get_kind(d));
    printf("State:     %s\n", msd_device1_get_state(d));
    printf("Connected: %s\n", msd_device1_get_connected(d) ? "yes" : "no");
    if (battery >= 0)
        printf("Battery:   %d%%\n", battery);
    else
        printf("Battery:   unknown\n");
    printf("Intensity: %.0f%%\n", msd_device1_get_intensity(d));
    if (msd_device1_get_speed(d))
        printf("Speed:     %u\n", msd_device1_get_speed(d));
    printf("Session:   %s\n", session && !g_str_equal(session, "/") ? session : "none");
    return MCTL_EXIT_OK;
}
