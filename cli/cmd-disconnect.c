/* massagectl disconnect DEV: stop the device and disconnect. */
#include "cli/client.h"

int mctl_cmd_disconnect(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "[DEV]",
        .summary = "Stops the device (ending its session) and disconnects it.",
        .max_args = 1,
        .arg_error = "disconnect takes at most one device",
    };
    g_autoptr(MctlClient) c = NULL;
    g_autoptr(MsdDevice1) d = mctl_begin_device(ctx, &argc, &argv, &args, &c, &rc);
    if (!d)
        return rc;
    g_autoptr(GError) error = NULL;
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(d), 30000);
    if (!msd_device1_call_disconnect_sync(d, NULL, &error)) {
        g_autofree char *what = g_strdup_printf("cannot disconnect %s", msd_device1_get_name(d));
        return mctl_fail_dbus(ctx, error, what);
    }
    if (!mctl_device_refresh(ctx, d, &rc))
        return rc;
    if (ctx->json)
        mctl_print_device_json(d);
    else
        printf("Disconnected %s %s.\n", msd_device1_get_address(d), msd_device1_get_name(d));
    return MCTL_EXIT_OK;
}
