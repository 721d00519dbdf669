/* massagectl stop [DEV | --all]: stop now. Without DEV it stops every device:
 * a person who types "stop" in a hurry means everything.
 *
 * It tells the truth: it prints each device a stop reached and each it did
 * not (and why), and exits 4 (not-connected) when any was not reached, never
 * 0. StopAll's error message carries one line per device
 * (data/org.massaged.xml); --json gives the same as one object. */
#include <string.h>

#include "cli/client.h"

/* The daemon answers StopAll within 20 s; Device1.Stop of a device that is
 * not connected waits for a connect. Long enough to hear the answer rather
 * than a timeout that says nothing about the device. */
#define STOP_ALL_TIMEOUT_MS 30000
#define STOP_ONE_TIMEOUT_MS 60000

typedef struct {
    char *address;
    char *name; /* NULL when massaged has no object for it */
    char *reason;
} Outcome;

static void outcome_free(Outcome *o)
{
    g_free(o->address);
    g_free(o->name);
    g_free(o->reason);
    g_free(o);
}

static Outcome *outcome_new(MctlClient *c, const char *address, const char *reason)
{
    Outcome *o = g_new0(Outcome, 1);
    o->address = g_strdup(address);
    o->reason = g_strdup(reason);
    g_autoptr(GPtrArray) devices = mctl_client_devices(c);
    for (guint i = 0; i < devices->len; i++) {
        MsdDevice1 *d = devices->pdata[i];
        if (g_ascii_strcasecmp(msd_device1_get_address(d), address) == 0)
            o->name = g_strdup(msd_device1_get_name(d));
    }
    return o;
}

static char *label(const Outcome *o)
{
    if (o->name && g_strcmp0(o->name, o->address) != 0)
        return g_strdup_printf("%s (%s)", o->name, o->address);
    return g_strdup(o->address);
}

/* StopAll's error: "could not stop N of M device(s)", then "stopped ADDR"
 * and "not-stopped ADDR WHY" lines. FALSE when it is not that. */
static gboolean parse_stop_all_error(MctlClient *c, const char *message, GPtrArray *stopped,
                                     GPtrArray *not_stopped)
{
    g_auto(GStrv) lines = g_strsplit(message, "\n", -1);
    for (guint i = 1; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "stopped ")) {
            g_ptr_array_add(stopped, outcome_new(c, lines[i] + strlen("stopped "), NULL));
        } else if (g_str_has_prefix(lines[i], "not-stopped ")) {
            const char *rest = lines[i] + strlen("not-stopped ");
            const char *space = strchr(rest, ' ');
            g_autofree char *address =
                g_strndup(rest, space ? (gsize)(space - rest) : strlen(rest));
            g_ptr_array_add(not_stopped,
                            outcome_new(c, address, space ? space + 1 : "not reached"));
        }
    }
    return not_stopped->len > 0;
}

static void json_add_outcomes(JsonBuilder *b, const char *member, GPtrArray *list)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (guint i = 0; i < list->len; i++) {
        const Outcome *o = list->pdata[i];
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "address");
        json_builder_add_string_value(b, o->address);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, o->name ? o->name : o->address);
        if (o->reason) {
            json_builder_set_member_name(b, "reason");
            json_builder_add_string_value(b, o->reason);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

/* Prints both lists; returns the exit code (4 when any was not stopped). */
static int report(MctlContext *ctx, gboolean all, GPtrArray *stopped, GPtrArray *not_stopped)
{
    int rc = not_stopped->len ? MCTL_EXIT_NOT_CONNECTED : MCTL_EXIT_OK;
    g_autofree char *summary =
        g_strdup_printf("could not stop %u device(s): a stop frame did not reach %s",
                        not_stopped->len, not_stopped->len == 1 ? "it" : "them");
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_add_outcomes(b, "stopped", stopped);
        json_add_outcomes(b, "not_stopped", not_stopped);
        if (rc) {
            json_builder_set_member_name(b, "error");
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "code");
            json_builder_add_int_value(b, rc);
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, mctl_exit_name(rc));
            json_builder_set_member_name(b, "message");
            json_builder_add_string_value(b, summary);
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return rc;
    }
    for (guint i = 0; i < stopped->len; i++) {
        g_autofree char *l = label(stopped->pdata[i]);
        printf("Stopped %s.\n", l);
    }
    if (all && stopped->len == 0 && not_stopped->len == 0)
        printf("No device was connected or moving: nothing to stop.\n");
    for (guint i = 0; i < not_stopped->len; i++) {
        const Outcome *o = not_stopped->pdata[i];
        g_autofree char *l = label(o);
        fprintf(stderr, "%s: NOT stopped: %s: %s\n", ctx->prog, l, o->reason);
    }
    if (rc)
        fprintf(stderr,
                "%s: %s. Stop %s by hand (its own button or power switch); "
                "massaged keeps trying.\n",
                ctx->prog, summary, not_stopped->len == 1 ? "it" : "them");
    return rc;
}

int mctl_cmd_stop(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Stop every device (the default without DEV)",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const MctlArgs args = {
        .params = "[DEV]",
        .summary = "Stops DEV now, or every device that is connected or may be moving when DEV "
                   "is not given. The stop goes out ahead of anything queued and ends the "
                   "session; a device that is not connected is connected to stop it. Exit "
                   "status 4 when a stop did not reach a device.",
        .entries = entries,
        .max_args = 1,
        .arg_error = "stop takes one device, or --all",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    if (all && argc > 1)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "%s", args.arg_error);
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) stopped = g_ptr_array_new_with_free_func((GDestroyNotify)outcome_free);
    g_autoptr(GPtrArray) not_stopped = g_ptr_array_new_with_free_func((GDestroyNotify)outcome_free);

    if (argc > 1) {
        g_autoptr(MsdDevice1) d = mctl_client_find_device(c, ctx, argv[1], &rc);
        if (!d)
            return rc;
        g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(d), STOP_ONE_TIMEOUT_MS);
        if (msd_device1_call_stop_sync(d, NULL, &error)) {
            g_ptr_array_add(stopped, outcome_new(c, msd_device1_get_address(d), NULL));
        } else if (mctl_exit_for_dbus_error(error) == MCTL_EXIT_NOT_CONNECTED) {
            g_dbus_error_strip_remote_error(error);
            g_ptr_array_add(not_stopped,
                            outcome_new(c, msd_device1_get_address(d), error->message));
        } else {
            g_autofree char *what = g_strdup_printf("cannot stop %s", msd_device1_get_name(d));
            return mctl_fail_dbus(ctx, error, what);
        }
        return report(ctx, FALSE, stopped, not_stopped);
    }

    g_autoptr(GVariant) reached = NULL;
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(c->manager), STOP_ALL_TIMEOUT_MS);
    if (!msd_manager1_call_stop_all_sync(c->manager, &reached, NULL, &error)) {
        if (mctl_exit_for_dbus_error(error) != MCTL_EXIT_NOT_CONNECTED)
            return mctl_fail_dbus(ctx, error, "cannot stop");
        g_autoptr(GError) copy = g_error_copy(error);
        g_dbus_error_strip_remote_error(copy);
        if (!parse_stop_all_error(c, copy->message, stopped, not_stopped))
            return mctl_fail_dbus(ctx, error, "cannot stop");
        return report(ctx, TRUE, stopped, not_stopped);
    }
    GVariantIter it;
    const char *path, *address;
    g_variant_iter_init(&it, reached);
    while (g_variant_iter_next(&it, "(&o&s)", &path, &address))
        g_ptr_array_add(stopped, outcome_new(c, address, NULL));
    return report(ctx, TRUE, stopped, not_stopped);
}
