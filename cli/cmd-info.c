/* massagectl info DEV: one device in full. */
#include "cli/client.h"

int mctl_cmd_info(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "[DEV]",
                            "Shows one device: DEV is an address, a name or a unique prefix; "
                            "without DEV, the one connected device.",
                            &rc))
        return rc;
    if (argc > 2)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "info takes at most one device");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(MsdDevice1) d = mctl_client_find_device(c, ctx, argc > 1 ? argv[1] : NULL, &rc);
    if (!d)
        return rc;
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        mctl_json_add_device(b, d);
        mctl_print_json_builder(b);
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
