/* massagectl start PROGRAMME [--device DEV] [--follow | --wait] [--scale PERCENT] [--side S]
 *                  [--client LABEL] [--note TEXT] [--no-caution]
 * Start's reply comes once the session plays (the device connected, the first
 * level sent) or with why it cannot, so "Started" is only printed when true. */
#include "cli/caution.h"
#include "cli/client.h"
#include "cli/follow.h"

#define START_TIMEOUT_MS 60000

/* DEV given: that device. Not given: the one connected device, else the one
 * known device (Start connects it). */
static MsdDevice1 *pick_device(MctlClient *c, MctlContext *ctx, const char *dev, int *rc)
{
    if (dev)
        return mctl_client_find_device(c, ctx, dev, rc);
    g_autoptr(GPtrArray) devices = mctl_client_devices(c);
    guint connected = 0;
    MsdDevice1 *pick = NULL;
    for (guint i = 0; i < devices->len; i++) {
        if (msd_device1_get_connected(devices->pdata[i])) {
            connected++;
            pick = devices->pdata[i];
        }
    }
    if (connected == 0 && devices->len == 1)
        return g_object_ref(devices->pdata[0]);
    if (connected == 1)
        return g_object_ref(pick);
    if (devices->len == 0) {
        *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND, "Find one first: 'massagectl scan'.",
                        "no device is known");
        return NULL;
    }
    *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, "Name one with --device DEV (see 'massagectl devices').",
                    "%u devices could play this; which one?", connected ? connected : devices->len);
    return NULL;
}

int mctl_cmd_start(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    g_autofree char *device = NULL;
    g_autofree char *side = NULL;
    g_autofree char *client = NULL;
    g_autofree char *note = NULL;
    gboolean follow = FALSE;
    gboolean wait = FALSE;
    gboolean no_caution = FALSE;
    double scale = 100;
    const GOptionEntry entries[] = {
        {"device", 'd', 0, G_OPTION_ARG_STRING, &device,
         "The device: an address, a name or a unique prefix", "DEV"},
        {"follow", 'f', 0, G_OPTION_ARG_NONE, &follow,
         "Show the session live; Ctrl-C stops it (the session ends with this command)", NULL},
        {"wait", 'w', 0, G_OPTION_ARG_NONE, &wait,
         "Wait until the session ends and exit with its outcome's code (0 completed, 10 "
         "stopped, 11 device lost, 12 error, 13 daemon shut down); Ctrl-C leaves the session "
         "playing",
         NULL},
        {"scale", 's', 0, G_OPTION_ARG_DOUBLE, &scale,
         "Play every intensity at PERCENT of the programme's (10..100)", "PERCENT"},
        {"side", 0, 0, G_OPTION_ARG_STRING, &side, "Play only the left or right pass", "SIDE"},
        {"client", 0, 0, G_OPTION_ARG_STRING, &client,
         "Apply the client's profile ('massagectl client list') and record the label in the "
         "history",
         "LABEL"},
        {"note", 0, 0, G_OPTION_ARG_STRING, &note,
         "A note recorded in the history (up to 1000 bytes)", "TEXT"},
        {"no-caution", 0, 0, G_OPTION_ARG_NONE, &no_caution,
         "Do not show the one-time caution (for a home hub; also " MCTL_NO_CAUTION_ENV
         "=1). A programme's own Caution is still shown",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const MctlArgs args = {
        .params = "PROGRAMME",
        .summary = "Plays a programme (an id from 'massagectl programme list') on a device.",
        .entries = entries,
        .min_args = 1,
        .max_args = 1,
        .arg_error = "start needs exactly one programme id",
        .arg_hint = "See 'massagectl programme list' for the ids.",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    if (follow && wait)
        return mctl_fail(ctx, MCTL_EXIT_USAGE,
                         "--follow binds the session to this command, --wait does not.",
                         "--follow and --wait cannot be used together");
    if (!(scale >= 10 && scale <= 100))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--scale must be from 10 to 100, not %g",
                         scale);
    if (side && !g_str_equal(side, "left") && !g_str_equal(side, "right"))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--side must be left or right, not '%s'",
                         side);
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(MsdDevice1) d = pick_device(c, ctx, device, &rc);
    if (!d)
        return rc;

    /* The cautions come before the device moves, on stderr. */
    g_autofree char *caution = NULL;
    g_autoptr(GError) error = NULL;
    if (!mctl_caution_fetch(c, argv[1], &caution, &error)) {
        g_autofree char *what =
            g_strdup_printf("cannot start '%s' on %s", argv[1], msd_device1_get_name(d));
        return mctl_fail_dbus(ctx, error, what);
    }
    gboolean showed_caution = mctl_caution_show_first_use(no_caution);
    if (caution)
        mctl_caution_show_programme(argv[1], caution);
    if ((rc = mctl_client_profile_before_start(ctx, c, client)) != MCTL_EXIT_OK)
        return rc;

    g_auto(GVariantBuilder) opts = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    /* Following binds the session to this process: if it dies, the device stops. */
    if (follow)
        g_variant_builder_add(&opts, "{sv}", "attach", g_variant_new_boolean(TRUE));
    if (scale != 100)
        g_variant_builder_add(&opts, "{sv}", "scale", g_variant_new_double(scale));
    if (side)
        g_variant_builder_add(&opts, "{sv}", "side", g_variant_new_string(side));
    /* Checked by the daemon (lengths, control characters, the profile
     * exists): one rule, one place. */
    if (client)
        g_variant_builder_add(&opts, "{sv}", "client", g_variant_new_string(client));
    if (note)
        g_variant_builder_add(&opts, "{sv}", "note", g_variant_new_string(note));
    g_autofree char *session = NULL;
    /* The reply waits for the connect (up to about 25 s with its retry). */
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(c->manager), START_TIMEOUT_MS);
    if (!msd_manager1_call_start_sync(c->manager, g_dbus_proxy_get_object_path(G_DBUS_PROXY(d)),
                                      argv[1], g_variant_builder_end(&opts), &session, NULL,
                                      &error)) {
        g_autofree char *what =
            g_strdup_printf("cannot start '%s' on %s", argv[1], msd_device1_get_name(d));
        return mctl_fail_dbus(ctx, error, what);
    }
    if (showed_caution)
        mctl_caution_mark_seen();
    if (client)
        mctl_client_profile_after_start(c, session);
    if (follow)
        return mctl_follow_session(ctx, c, session);
    if (wait) {
        if (!ctx->json)
            printf("Playing '%s' on %s (%s); waiting for its end.\n", argv[1],
                   msd_device1_get_name(d), session);
        fflush(stdout);
        return mctl_wait_session(ctx, c, session);
    }
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "session");
        json_builder_add_string_value(b, session);
        json_builder_set_member_name(b, "programme");
        json_builder_add_string_value(b, argv[1]);
        json_builder_set_member_name(b, "device");
        json_builder_add_string_value(b, msd_device1_get_address(d));
        /* A hub shows the programme's caution to the person too. */
        json_builder_set_member_name(b, "caution");
        if (caution)
            json_builder_add_string_value(b, caution);
        else
            json_builder_add_null_value(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        printf("Started '%s' on %s (%s). 'massagectl stop' stops it.\n", argv[1],
               msd_device1_get_name(d), session);
    }
    return MCTL_EXIT_OK;
}
