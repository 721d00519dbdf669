/* massagectl status: the daemon, its devices and the sessions playing. Also
 * what plain `massagectl` shows. */
#include "cli/client.h"

static void print_session_line(MsdSession1 *s, MsdDevice1 *dev)
{
    g_autofree char *elapsed = mctl_format_ms(msd_session1_get_elapsed(s));
    g_autofree char *duration = mctl_format_ms(msd_session1_get_duration(s));
    printf("  %s on %s: %s, step %u/%u \"%s\" (%s, %s, %s), %.0f%%, %s of %s\n",
           msd_session1_get_programme(s), dev ? msd_device1_get_name(dev) : "?",
           msd_session1_get_state(s), msd_session1_get_step(s) + 1, msd_session1_get_step_count(s),
           msd_session1_get_step_name(s), msd_session1_get_muscle(s), msd_session1_get_side(s),
           msd_session1_get_zone(s), msd_session1_get_intensity(s), elapsed, duration);
    g_autofree char *why = mctl_pause_reason_words(s);
    if (why)
        printf("    %s%s\n",
               g_strcmp0(msd_session1_get_state(s), "waiting-device") == 0
                   ? "when the device is back: "
                   : "",
               why);
}

int mctl_cmd_status(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "",
        .summary = "Shows the daemon, its devices and the sessions playing.",
        .arg_error = "status takes no arguments",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(GPtrArray) devices = mctl_client_devices(c);
    g_autoptr(GPtrArray) sessions = mctl_client_sessions(c);

    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "version");
        json_builder_add_string_value(b, msd_manager1_get_version(c->manager));
        json_builder_set_member_name(b, "adapter");
        json_builder_add_string_value(b, msd_manager1_get_adapter(c->manager));
        json_builder_set_member_name(b, "discovering");
        json_builder_add_boolean_value(b, msd_manager1_get_discovering(c->manager));
        json_builder_set_member_name(b, "time_scale");
        json_builder_add_double_value(b, msd_manager1_get_time_scale(c->manager));
        mctl_json_add_devices(b, devices);
        json_builder_set_member_name(b, "sessions");
        json_builder_begin_array(b);
        for (guint i = 0; i < sessions->len; i++)
            mctl_json_add_session(b, sessions->pdata[i], c);
        json_builder_end_array(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }

    printf("massaged %s on %s%s%s\n", msd_manager1_get_version(c->manager),
           msd_manager1_get_adapter(c->manager),
           msd_manager1_get_discovering(c->manager) ? ", scanning" : "",
           msd_manager1_get_time_scale(c->manager) != 1.0 ? ", TIME-SCALED (test mode)" : "");
    if (devices->len == 0)
        printf("No devices. Find one with 'massagectl scan'.\n");
    else
        printf("Devices:\n");
    for (guint i = 0; i < devices->len; i++) {
        MsdDevice1 *d = devices->pdata[i];
        gint battery = msd_device1_get_battery(d);
        g_autofree char *bat =
            battery >= 0 ? g_strdup_printf(", battery %d%%", battery) : g_strdup("");
        printf("  %s %s (%s, %s): %s%s\n", msd_device1_get_address(d), msd_device1_get_name(d),
               msd_device1_get_driver(d), msd_device1_get_kind(d), msd_device1_get_state(d), bat);
    }
    if (sessions->len)
        printf("Sessions:\n");
    for (guint i = 0; i < sessions->len; i++) {
        MsdSession1 *s = sessions->pdata[i];
        g_autoptr(MsdDevice1) dev = mctl_client_device_at(c, msd_session1_get_device(s));
        print_session_line(s, dev);
    }
    return MCTL_EXIT_OK;
}
