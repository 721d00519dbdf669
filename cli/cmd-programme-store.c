/* massagectl programme import|export|remove: the daemon's programme store.
 * (list/show/plot/validate work offline in cmd-programme.c.) */
#include "cli/client.h"

int mctl_cmd_programme_import(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "FILE",
                            "Validates FILE with the daemon's safety limits and stores it; "
                            "prints the new id. Nothing is stored if it is invalid.",
                            &rc))
        return rc;
    if (argc != 2)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "import needs exactly one file");
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(argv[1], &text, NULL, &error))
        return mctl_fail_error(ctx, error, NULL);
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autofree char *id = NULL;
    if (!msd_manager1_call_import_programme_sync(c->manager, text, &id, NULL, &error)) {
        g_autofree char *what = g_strdup_printf("%s was not imported", argv[1]);
        return mctl_fail_dbus(ctx, error, what);
    }
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, id);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        printf("Imported %s as '%s'. Start it with 'massagectl start %s'.\n", argv[1], id, id);
    }
    return MCTL_EXIT_OK;
}

int mctl_cmd_programme_export(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    g_autofree char *output = NULL;
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE (never overwritten)",
         "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    if (!mctl_parse_options(ctx, &argc, &argv, entries, "ID",
                            "Prints a stored programme's text (built-in or imported).", &rc))
        return rc;
    if (argc != 2)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "export needs exactly one programme id");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_get_programme_sync(c->manager, argv[1], &text, NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    if (output) {
        if (g_file_test(output, G_FILE_TEST_EXISTS))
            return mctl_fail(ctx, MCTL_EXIT_FAILURE, "Choose another name or remove it first.",
                             "%s exists; not overwriting it", output);
        if (!g_file_set_contents(output, text, -1, &error))
            return mctl_fail_error(ctx, error, NULL);
    }
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "id");
        json_builder_add_string_value(b, argv[1]);
        json_builder_set_member_name(b, "text");
        json_builder_add_string_value(b, text);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else if (!output) {
        fputs(text, stdout);
    }
    return MCTL_EXIT_OK;
}

int mctl_cmd_programme_remove(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "ID",
                            "Removes an imported programme (built-ins cannot be removed).", &rc))
        return rc;
    if (argc != 2)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "remove needs exactly one programme id");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_remove_programme_sync(c->manager, argv[1], NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "removed");
        json_builder_add_string_value(b, argv[1]);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        printf("Removed '%s'.\n", argv[1]);
    }
    return MCTL_EXIT_OK;
}
