/* massagectl client add|edit|show|list|remove|export: client profiles kept
 * by the daemon (docs/clients.md), and what `start --client` shows before
 * and after a start. A profile's text is checked here first (the file's own
 * name and line in every error), then by the daemon against its limits. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cli/client.h"
#include "common/names.h"
#include "protocol/client-profile.h"

/* Parses `text` locally; prints every located error and returns NULL. */
static MpClientProfile *check_locally(MctlContext *ctx, const char *text, gsize len,
                                      const char *source, int *rc)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    MpClientProfile *p = mp_client_profile_parse(text, len, source, diags);
    if (p)
        return p;
    GString *all = g_string_new(NULL);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *line = mp_diagnostic_to_string(diags->pdata[i]);
        g_string_append_printf(all, "\n  %s", line);
    }
    *rc = mctl_fail(ctx, MCTL_EXIT_INVALID, NULL, "%s is not a valid client profile:%s", source,
                    all->str);
    g_string_free(all, TRUE);
    return NULL;
}

/* Reads FILE (bounded) and checks it. */
static MpClientProfile *read_profile(MctlContext *ctx, const char *path, char **text, int *rc)
{
    g_autoptr(GError) error = NULL;
    GStatBuf st;
    if (g_stat(path, &st) == 0 && st.st_size > MP_CLIENT_MAX_SIZE) {
        *rc = mctl_fail(ctx, MCTL_EXIT_INVALID, NULL,
                        "%s is %lld bytes long; a client profile is at most %d", path,
                        (long long)st.st_size, MP_CLIENT_MAX_SIZE);
        return NULL;
    }
    gsize len = 0;
    if (!g_file_get_contents(path, text, &len, &error)) {
        *rc = mctl_fail_error(ctx, error, NULL);
        return NULL;
    }
    return check_locally(ctx, *text, len, path, rc);
}

static int cmd_add(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "FILE",
        .summary = "Checks FILE (format, and that it never loosens a daemon limit) and stores it "
                   "as a new client profile. Nothing is stored if it is invalid.",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "add needs exactly one file",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    g_autofree char *text = NULL;
    g_autoptr(MpClientProfile) p = read_profile(ctx, argv[1], &text, &rc);
    if (!p)
        return rc;
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autofree char *label = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_save_client_sync(c->manager, text, FALSE, &label, NULL, &error)) {
        g_autofree char *what = g_strdup_printf("%s was not added", argv[1]);
        return mctl_fail_dbus(ctx, error, what);
    }
    if (ctx->json)
        mctl_print_json_string("label", label);
    else
        printf("Added client '%s'. Use it with 'massagectl start PROGRAMME --client %s'.\n", label,
               label);
    return MCTL_EXIT_OK;
}

static int cmd_export(MctlContext *ctx, int argc, char **argv)
{
    const MctlArgs args = {
        .params = "LABEL",
        .summary = "Prints a client profile's text ('client add' reads it back).",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "export needs exactly one label",
    };
    return mctl_export_from_daemon(ctx, argc, argv, &args, msd_manager1_call_get_client_sync,
                                   "label", 0600);
}

static void add_names(JsonBuilder *b, const char *member, const gboolean *flags, int n,
                      const char *(*name)(int))
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (int i = 1; i < n; i++)
        if (flags[i])
            json_builder_add_string_value(b, name(i));
    json_builder_end_array(b);
}

static const char *side_name(int v)
{
    return mp_side_to_string((MpSide)v);
}
static const char *muscle_name(int v)
{
    return mp_muscle_to_string((MpMuscle)v);
}
static const char *zone_name(int v)
{
    return mp_zone_to_string((MpZone)v);
}

static char *names(const gboolean *flags, int n, const char *(*name)(int))
{
    GString *s = g_string_new(NULL);
    for (int i = 1; i < n; i++)
        if (flags[i])
            g_string_append_printf(s, "%s%s", s->len ? ", " : "", name(i));
    return g_string_free(s, FALSE);
}

static void print_text_field(const char *title, const char *text)
{
    if (!text)
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    printf("%-12s %s\n", title, lines[0]);
    for (guint i = 1; lines[i]; i++)
        printf("%-12s %s\n", "", lines[i]);
}

static int cmd_show(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "LABEL",
        .summary = "Shows a client profile.",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "show needs exactly one label",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_get_client_sync(c->manager, argv[1], &text, NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    g_autoptr(MpClientProfile) p = check_locally(ctx, text, strlen(text), argv[1], &rc);
    if (!p)
        return rc;
    const int ns = G_N_ELEMENTS(p->exclude_side), nm = G_N_ELEMENTS(p->exclude_muscle),
              nz = G_N_ELEMENTS(p->exclude_zone);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "label");
        json_builder_add_string_value(b, p->label);
        json_builder_set_member_name(b, "notes");
        p->notes ? json_builder_add_string_value(b, p->notes) : json_builder_add_null_value(b);
        json_builder_set_member_name(b, "cautions");
        p->cautions ? json_builder_add_string_value(b, p->cautions)
                    : json_builder_add_null_value(b);
        json_builder_set_member_name(b, "max_intensity");
        p->max_intensity >= 0 ? json_builder_add_double_value(b, p->max_intensity)
                              : json_builder_add_null_value(b);
        json_builder_set_member_name(b, "max_session_ms");
        p->max_session_ms > 0 ? json_builder_add_int_value(b, (gint64)p->max_session_ms)
                              : json_builder_add_null_value(b);
        add_names(b, "exclude_sides", p->exclude_side, ns, side_name);
        add_names(b, "exclude_muscles", p->exclude_muscle, nm, muscle_name);
        add_names(b, "exclude_zones", p->exclude_zone, nz, zone_name);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }
    printf("%-12s %s\n", "Client", p->label);
    g_autofree char *cap =
        p->max_intensity >= 0 ? mp_percent_format(p->max_intensity) : g_strdup("the daemon's");
    printf("%-12s %s\n", "Max", cap);
    g_autofree char *len =
        p->max_session_ms ? mctl_format_ms(p->max_session_ms) : g_strdup("the daemon's");
    printf("%-12s %s\n", "Longest", len);
    g_autofree char *sides = names(p->exclude_side, ns, side_name);
    g_autofree char *muscles = names(p->exclude_muscle, nm, muscle_name);
    g_autofree char *zones = names(p->exclude_zone, nz, zone_name);
    printf("%-12s %s\n", "Skip sides", *sides ? sides : "-");
    printf("%-12s %s\n", "Skip muscles", *muscles ? muscles : "-");
    printf("%-12s %s\n", "Skip zones", *zones ? zones : "-");
    print_text_field("Cautions", p->cautions);
    print_text_field("Notes", p->notes);
    return MCTL_EXIT_OK;
}

static int cmd_list(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "",
        .summary = "Lists the client profiles.",
        .arg_error = "list takes no arguments",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(GVariant) list = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_list_clients_sync(c->manager, &list, NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    GVariantIter it;
    const char *label, *summary;
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "clients");
        json_builder_begin_array(b);
        g_variant_iter_init(&it, list);
        while (g_variant_iter_next(&it, "(&s&s)", &label, &summary)) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "label");
            json_builder_add_string_value(b, label);
            json_builder_set_member_name(b, "summary");
            json_builder_add_string_value(b, summary);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }
    if (g_variant_n_children(list) == 0) {
        printf("No client profiles. Add one with 'massagectl client add FILE'.\n");
        return MCTL_EXIT_OK;
    }
    g_variant_iter_init(&it, list);
    while (g_variant_iter_next(&it, "(&s&s)", &label, &summary))
        printf("%-24s %s\n", label, summary);
    return MCTL_EXIT_OK;
}

static int cmd_remove(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "LABEL",
        .summary = "Removes a client profile.",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "remove needs exactly one label",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_remove_client_sync(c->manager, argv[1], NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    if (ctx->json)
        mctl_print_json_string("removed", argv[1]);
    else
        printf("Removed client '%s'.\n", argv[1]);
    return MCTL_EXIT_OK;
}

/* $VISUAL, $EDITOR or vi on `path`, through sh so an editor with arguments
 * ("code --wait") works. */
static gboolean run_editor(const char *path, GError **error)
{
    const char *editor = g_getenv("VISUAL");
    if (!editor || !*editor)
        editor = g_getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    g_autofree char *script = g_strdup_printf("%s \"$1\"", editor);
    const char *argv[] = {"/bin/sh", "-c", script, "sh", path, NULL};
    int status = 0;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                      NULL, &status, error))
        return FALSE;
    return g_spawn_check_wait_status(status, error);
}

static int cmd_edit(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "LABEL",
        .summary = "Opens a copy of the profile in $VISUAL or $EDITOR and stores it when it is "
                   "valid; the stored profile is unchanged otherwise.",
        .min_args = 1,
        .max_args = 1,
        .arg_error = "edit needs exactly one label",
    };
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &args, &rc);
    if (!c)
        return rc;
    g_autofree char *before = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_get_client_sync(c->manager, argv[1], &before, NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("massagectl-XXXXXX.client", &path, &error); /* mode 0600 */
    if (fd < 0)
        return mctl_fail_error(ctx, error, NULL);
    close(fd);
    if (!g_file_set_contents(path, before, -1, &error) || !run_editor(path, &error)) {
        g_unlink(path);
        return mctl_fail(ctx, MCTL_EXIT_FAILURE, NULL, "edit: %s", error->message);
    }
    g_autofree char *after = NULL;
    g_autoptr(MpClientProfile) p = read_profile(ctx, path, &after, &rc);
    if (!p) {
        fprintf(stderr, "Nothing was stored; your edit is kept in %s.\n", path);
        return rc;
    }
    if (!g_str_equal(p->label, argv[1])) {
        fprintf(stderr, "Nothing was stored; your edit is kept in %s.\n", path);
        return mctl_fail(ctx, MCTL_EXIT_INVALID,
                         "To rename, add the edited file as a new profile "
                         "and remove the old one.",
                         "%s: line %u: [Client] Label: changed from '%s' to '%s'; edit keeps the "
                         "label",
                         path, p->label_line, argv[1], p->label);
    }
    if (g_str_equal(before, after)) {
        g_unlink(path);
        /* --json: the same object as a saved edit, not words on stdout. */
        if (ctx->json)
            mctl_print_json_string("label", argv[1]);
        else
            printf("No changes to client '%s'.\n", argv[1]);
        return MCTL_EXIT_OK;
    }
    g_autofree char *label = NULL;
    if (!msd_manager1_call_save_client_sync(c->manager, after, TRUE, &label, NULL, &error)) {
        fprintf(stderr, "Nothing was stored; your edit is kept in %s.\n", path);
        g_autofree char *what = g_strdup_printf("client '%s' was not changed", argv[1]);
        return mctl_fail_dbus(ctx, error, what);
    }
    g_unlink(path);
    if (ctx->json)
        mctl_print_json_string("label", label);
    else
        printf("Saved client '%s'.\n", label);
    return MCTL_EXIT_OK;
}

static const MctlCommand client_commands[] = {
    {"list", "", "List the client profiles", cmd_list},
    {"show", "LABEL", "Show one profile", cmd_show},
    {"add", "FILE", "Store a new profile from FILE", cmd_add},
    {"edit", "LABEL", "Edit a profile in $EDITOR", cmd_edit},
    {"export", "LABEL [-o FILE]", "Print a profile's text", cmd_export},
    {"remove", "LABEL", "Remove a profile", cmd_remove},
    {NULL, NULL, NULL, NULL},
};

int mctl_cmd_client(MctlContext *ctx, int argc, char **argv)
{
    return mctl_run_table(ctx, "client", client_commands, argc, argv);
}

int mctl_client_profile_before_start(MctlContext *ctx, MctlClient *c, const char *label)
{
    if (!label)
        return MCTL_EXIT_OK;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_get_client_sync(c->manager, label, &text, NULL, &error))
        return mctl_fail_dbus(ctx, error, "cannot start with this client profile");
    int rc = MCTL_EXIT_OK;
    g_autoptr(MpClientProfile) p = check_locally(ctx, text, strlen(text), label, &rc);
    if (!p)
        return rc;
    if (p->cautions) {
        g_auto(GStrv) lines = g_strsplit(p->cautions, "\n", -1);
        fprintf(stderr, "Client '%s' cautions:\n", p->label);
        for (guint i = 0; lines[i]; i++)
            fprintf(stderr, "  ! %s\n", lines[i]);
    }
    return MCTL_EXIT_OK;
}

void mctl_client_profile_after_start(MctlClient *c, const char *session)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MsdSession1) s = msd_session1_proxy_new_sync(
        c->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, MSD_BUS_NAME, session, NULL, &error);
    if (!s || !*msd_session1_get_client(s))
        return;
    const char *const *skipped = msd_session1_get_skipped(s);
    g_autofree char *list = skipped && *skipped ? g_strjoinv(", ", (char **)skipped) : NULL;
    double cap = msd_session1_get_intensity_cap(s);
    g_autofree char *capped = cap > 0 ? mp_percent_format(cap) : NULL;
    fprintf(stderr, "Client '%s': %s%s; skipped: %s.\n", msd_session1_get_client(s),
            capped ? "capped at " : "the daemon's cap", capped ? capped : "",
            list ? list : "nothing");
}
