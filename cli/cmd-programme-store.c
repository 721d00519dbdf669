/* massagectl programme import|export|remove: the daemon's programme store.
 * (list/show/plot/validate work offline in cmd-programme.c.) */
#include <string.h>

#include "cli/client.h"
#include "protocol/programme.h"

/* Reads at most MP_PROGRAMME_MAX_SIZE bytes (the daemon's bound): `import
 * /dev/zero` or a huge file fails at once instead of filling memory. */
static char *read_bounded(const char *path, gsize *len, GError **error)
{
    g_autoptr(GFile) file = g_file_new_for_commandline_arg(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
    if (!in)
        return NULL;
    gsize cap = MP_PROGRAMME_MAX_SIZE + 1;
    g_autofree char *buf = g_malloc(cap + 1);
    gsize n = 0;
    if (!g_input_stream_read_all(G_INPUT_STREAM(in), buf, cap, &n, NULL, error))
        return NULL;
    if (n > MP_PROGRAMME_MAX_SIZE) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                    "%s is larger than %d bytes, the most a programme may be", path,
                    MP_PROGRAMME_MAX_SIZE);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return g_steal_pointer(&buf);
}

/* D-Bus carries only valid UTF-8 without NUL: such text is refused here
 * with the parser's own located diagnostics, as `validate` reports them. */
static gboolean check_text(MctlContext *ctx, const char *path, const char *text, gsize len, int *rc)
{
    if (!memchr(text, '\0', len) && g_utf8_validate(text, (gssize)len, NULL))
        return TRUE;
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(text, len, path, diags);
    GString *msg = g_string_new(NULL);
    guint shown = 0;
    for (guint i = 0; i < diags->len && shown < 10; i++) {
        const MpDiagnostic *d = diags->pdata[i];
        if (d->severity != MP_DIAG_ERROR)
            continue;
        g_autofree char *line = mp_diagnostic_to_string(d);
        g_string_append_printf(msg, "%s%s", msg->len ? "\n" : "", line);
        shown++;
    }
    if (msg->len == 0)
        g_string_append_printf(msg, "%s: not valid UTF-8 text", path);
    *rc = mctl_fail(ctx, MCTL_EXIT_INVALID, NULL, "%s was not imported:\n%s", path, msg->str);
    g_string_free(msg, TRUE);
    return FALSE;
}

int mctl_cmd_programme_import(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    gboolean replace = FALSE;
    const GOptionEntry entries[] = {
        {"replace", 0, 0, G_OPTION_ARG_NONE, &replace,
         "Replace the imported programme with the same id (the slug of its Name) instead of "
         "storing a new one",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const MctlArgs args = {
        .params = "FILE",
        .summary = "Validates FILE with the daemon's safety limits and stores it; prints the new "
                   "id. Nothing is stored if it is invalid, and a stored programme is never "
                   "overwritten unless --replace is given. FILE may be at most 1 MiB.",
        .entries = entries,
        .min_args = 1,
        .max_args = 1,
        .arg_error = "import needs exactly one file",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    g_autofree char *text = read_bounded(argv[1], &len, &error);
    if (!text) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE))
            return mctl_fail(ctx, MCTL_EXIT_INVALID, NULL, "%s", error->message);
        return mctl_fail_error(ctx, error, NULL);
    }
    if (!check_text(ctx, argv[1], text, len, &rc))
        return rc;
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autofree char *id = NULL;
    gboolean ok =
        replace ? msd_manager1_call_replace_programme_sync(c->manager, text, &id, NULL, &error)
                : msd_manager1_call_import_programme_sync(c->manager, text, &id, NULL, &error);
    if (!ok) {
        g_autofree char *what = g_strdup_printf("%s was not imported", argv[1]);
        return mctl_fail_dbus(ctx, error, what);
    }
    if (ctx->json) {
        mctl_print_json_string("id", id);
    } else {
        printf("%s %s as '%s'. Start it with 'massagectl start %s'.\n",
               replace ? "Replaced by" : "Imported", argv[1], id, id);
    }
    return MCTL_EXIT_OK;
}

int mctl_cmd_programme_export(MctlContext *ctx, int argc, char **argv)
{
    const MctlArgs args = {
        .params = "ID",
        .summary = "Prints a stored programme's text (built-in or imported).",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "export needs exactly one programme id",
    };
    return mctl_export_from_daemon(ctx, argc, argv, &args, msd_manager1_call_get_programme_sync,
                                   "id", 0644);
}

int mctl_cmd_programme_remove(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "ID",
        .summary = "Removes an imported programme (built-ins cannot be removed).",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "remove needs exactly one programme id",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_remove_programme_sync(c->manager, argv[1], NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    if (ctx->json)
        mctl_print_json_string("removed", argv[1]);
    else
        printf("Removed '%s'.\n", argv[1]);
    return MCTL_EXIT_OK;
}
