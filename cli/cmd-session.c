/* massagectl pause|resume|next|previous [DEV]: the session controls. They are
 * one shape (find the session, call a method without arguments), so they
 * share this file. */
#include "cli/client.h"

typedef gboolean (*SessionCall)(MsdSession1 *proxy, GCancellable *cancellable, GError **error);

static int session_command(MctlContext *ctx, int argc, char **argv, SessionCall call,
                           const char *summary, const char *done)
{
    int rc = MCTL_EXIT_OK;
    g_autofree char *arg_error = g_strdup_printf("%s takes at most one device", argv[0]);
    const MctlArgs args = {
        .params = "[DEV]", .summary = summary, .max_args = 1, .arg_error = arg_error};
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(MsdSession1) s = mctl_client_find_session(c, ctx, argc > 1 ? argv[1] : NULL, &rc);
    if (!s)
        return rc;
    g_autoptr(GError) error = NULL;
    if (!call(s, NULL, &error)) {
        g_autofree char *what = g_strdup_printf("cannot %s", argv[0]);
        return mctl_fail_dbus(ctx, error, what);
    }
    /* Print the state after the action. A session whose object is gone
     * already has ended (Next past the last step completes it). */
    if (!mctl_proxy_refresh(G_DBUS_PROXY(s), NULL))
        g_dbus_proxy_set_cached_property(G_DBUS_PROXY(s), "State",
                                         g_variant_new_string("finished"));
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        mctl_json_add_session(b, s, c);
        mctl_print_json_builder(b);
    } else if (g_strcmp0(msd_session1_get_state(s), "finished") == 0) {
        printf("%s has finished.\n", msd_session1_get_programme(s));
    } else {
        printf("%s: %s, step %u/%u \"%s\".\n", done, msd_session1_get_programme(s),
               msd_session1_get_step(s) + 1, msd_session1_get_step_count(s),
               msd_session1_get_step_name(s));
    }
    return MCTL_EXIT_OK;
}

int mctl_cmd_pause(MctlContext *ctx, int argc, char **argv)
{
    return session_command(ctx, argc, argv, msd_session1_call_pause_sync,
                           "Pauses the session: the motor stops, programme time freezes.",
                           "Paused");
}

int mctl_cmd_resume(MctlContext *ctx, int argc, char **argv)
{
    return session_command(ctx, argc, argv, msd_session1_call_resume_sync,
                           "Resumes a paused session where it stopped.", "Resumed");
}

int mctl_cmd_next(MctlContext *ctx, int argc, char **argv)
{
    return session_command(ctx, argc, argv, msd_session1_call_next_sync, "Skips to the next step.",
                           "Now playing");
}

int mctl_cmd_previous(MctlContext *ctx, int argc, char **argv)
{
    return session_command(ctx, argc, argv, msd_session1_call_previous_sync,
                           "Goes back to the start of the previous step (in the first step: "
                           "to its start).",
                           "Now playing");
}
