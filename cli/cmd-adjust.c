/* massagectl adjust ±N|N [DEV]: scale the playing programme's intensities.
 * "+10"/"-10" move the scale by that many percentage points; a bare "60"
 * sets it, within the daemon's 10..100 %; the daemon softens rises. */
#include <math.h>
#include <stdlib.h>

#include "cli/client.h"

int mctl_cmd_adjust(MctlContext *ctx, int argc, char **argv)
{
    /* Not GOption: "-10" must stay a value, not become an unknown option. */
    if (mctl_want_help(argc, argv)) {
        g_autofree char *summary = g_strdup_printf(
            "Scales the playing programme's intensities: +N/-N move the scale by N percentage "
            "points, N sets it (%d..%d; 100 = as written). A move past either end stops there "
            "and says so. Rises are still limited by the safety ramp limit.",
            MCTL_SCALE_MIN, MCTL_SCALE_MAX);
        const MctlArgs args = {.params = "+N|-N|N [DEV]", .summary = summary};
        mctl_print_command_help(ctx, "adjust", &args, stdout);
        return MCTL_EXIT_OK;
    }
    if (argc < 2 || argc > 3)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Run 'massagectl adjust --help'.",
                         "adjust needs a value such as +10, -10 or 60");
    const char *arg = argv[1];
    gboolean relative = arg[0] == '+' || arg[0] == '-';
    char *end = NULL;
    double v = g_ascii_strtod(arg, &end);
    /* One range everywhere: the daemon's Adjust takes 10..100. A set value
     * outside it is refused; a move is clamped to it, and says so. */
    if (end == arg || (*end && !g_str_equal(end, "%")) || v != v ||
        (relative ? fabs(v) > MCTL_SCALE_MAX - MCTL_SCALE_MIN
                  : v < MCTL_SCALE_MIN || v > MCTL_SCALE_MAX))
        return mctl_fail(ctx, MCTL_EXIT_USAGE, "Run 'massagectl adjust --help'.",
                         "adjust: '%s' is not N from %d to %d, or +N/-N with N up to %d", arg,
                         MCTL_SCALE_MIN, MCTL_SCALE_MAX, MCTL_SCALE_MAX - MCTL_SCALE_MIN);

    int rc = MCTL_EXIT_OK;
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(MsdSession1) s = mctl_client_find_session(c, ctx, argc > 2 ? argv[2] : NULL, &rc);
    if (!s)
        return rc;
    double wanted = relative ? msd_session1_get_scale(s) + v : v;
    double scale = CLAMP(wanted, MCTL_SCALE_MIN, MCTL_SCALE_MAX);
    gboolean clamped = scale != wanted;
    g_autoptr(GError) error = NULL;
    if (!msd_session1_call_adjust_sync(s, scale, NULL, &error))
        return mctl_fail_dbus(ctx, error, "cannot adjust");
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        /* The session after the action, and whether the move was clamped. */
        mctl_proxy_refresh(G_DBUS_PROXY(s), NULL);
        json_builder_begin_object(b);
        mctl_json_add_session_members(b, s, c);
        json_builder_set_member_name(b, "clamped");
        json_builder_add_boolean_value(b, clamped);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else if (clamped) {
        printf("Intensity scale now %.0f%% (%s; %s%.0f%% was asked).\n", scale,
               scale == MCTL_SCALE_MAX ? "the most" : "the least", v > 0 ? "+" : "", v);
    } else {
        printf("Intensity scale now %.0f%%.\n", scale);
    }
    return MCTL_EXIT_OK;
}
