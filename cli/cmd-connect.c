/* massagectl connect DEV: connect and wait until the device is ready. */
#include "cli/client.h"

int mctl_cmd_connect(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "DEV",
                            "Connects a device and waits until it is ready.", &rc))
        return rc;
    if (argc != 2)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Run 'massagectl devices' to see the devices.",
                         "connect needs exactly one device");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(MsdDevice1) d = mctl_client_find_device(c, ctx, argv[1], &rc);
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
    /* The state after the action, not the cache from before it. */
    if (!mctl_proxy_refresh(G_DBUS_PROXY(d), &error))
        return mctl_fail_dbus(ctx, error, "cannot read the device's state");
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        mctl_json_add_device(b, d);
        mctl_print_json_builder(b);
    } else {
        printf("Connected %s %s (%s).\n", msd_device1_get_address(d), msd_device1_get_name(d),
               msd_device1_get_driver(d));
    }
    return MCTL_EXIT_OK;
}
