/* massagectl connect DEV: connect and wait until the device is ready. */
#include "cli/client.h"

int mctl_cmd_connect(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "DEV",
        .summary = "Connects a device and waits until it is ready.",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "connect needs exactly one device",
        .arg_hint = "Run 'massagectl devices' to see the devices.",
    };
    g_autoptr(MctlClient) c = NULL;
    g_autoptr(MsdDevice1) d = mctl_begin_device(ctx, &argc, &argv, &args, &c, &rc);
    if (!d)
        return rc;
    g_autoptr(GError) error = NULL;
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(d), 60000);
    if (!msd_device1_call_connect_sync(d, NULL, &error)) {
        g_autofree char *what = g_strdup_printf("cannot connect %s", msd_device1_get_name(d));
        return mctl_fail_dbus_hint(ctx, error, what,
                                   mctl_exit_for_dbus_error(error) == MCTL_EXIT_NOT_CONNECTED
                                       ? "Check that it is switched on, near, and not connected to "
                                         "a phone; then try again."
                                       : NULL);
    }
    if (!mctl_device_refresh(ctx, d, &rc))
        return rc;
    if (ctx->json)
        mctl_print_device_json(d);
    else
        printf("Connected %s %s (%s).\n", msd_device1_get_address(d), msd_device1_get_name(d),
               msd_device1_get_driver(d));
    return MCTL_EXIT_OK;
}
