/* Output and error reporting shared by every command. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cli/massagectl.h"
#include "protocol/mp-error.h"
#include "protocol/suggest.h"

static const char *const exit_names[] = {
    [MCTL_EXIT_OK] = "ok",
    [MCTL_EXIT_FAILURE] = "failure",
    [MCTL_EXIT_USAGE] = "usage",
    [MCTL_EXIT_NOT_FOUND] = "not-found",
    [MCTL_EXIT_NOT_CONNECTED] = "not-connected",
    [MCTL_EXIT_BUSY] = "busy",
    [MCTL_EXIT_INVALID] = "invalid",
    [MCTL_EXIT_UNREACHABLE] = "unreachable",
    [MCTL_EXIT_PERMISSION] = "permission-denied",
    [MCTL_EXIT_INTERRUPTED] = "interrupted",
    [MCTL_EXIT_STOPPED] = "stopped",
    [MCTL_EXIT_DEVICE_LOST] = "device-lost",
    [MCTL_EXIT_SESSION_ERROR] = "session-error",
    [MCTL_EXIT_SHUTDOWN] = "shutdown",
};

const char *mctl_exit_name(int code)
{
    if (code >= 0 && (gsize)code < G_N_ELEMENTS(exit_names) && exit_names[code])
        return exit_names[code];
    return "failure";
}

void mctl_print_json(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    g_autofree char *text = json_generator_to_data(gen, NULL);
    printf("%s\n", text);
    fflush(stdout);
}

void mctl_print_json_builder(JsonBuilder *builder)
{
    g_autoptr(JsonNode) root = json_builder_get_root(builder);
    mctl_print_json(root);
}

void mctl_json_add_string(JsonBuilder *b, const char *member, const char *value)
{
    json_builder_set_member_name(b, member);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

void mctl_print_json_string(const char *member, const char *value)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    mctl_json_add_string(b, member, value);
    json_builder_end_object(b);
    mctl_print_json_builder(b);
}

static int fail_message(MctlContext *ctx, int code, const char *hint, const char *message)
{
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "error");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "code");
        json_builder_add_int_value(b, code);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, mctl_exit_name(code));
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, message);
        if (hint) {
            json_builder_set_member_name(b, "hint");
            json_builder_add_string_value(b, hint);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        fprintf(stderr, "%s: %s\n", ctx->prog, message);
        if (hint)
            fprintf(stderr, "%s\n", hint);
    }
    return code;
}

int mctl_fail(MctlContext *ctx, int code, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return fail_message(ctx, code, hint, message);
}

int mctl_exit_for_error(const GError *error)
{
    if (error->domain == MP_ERROR) {
        switch ((MpError)error->code) {
        case MP_ERROR_NOT_FOUND:
            return MCTL_EXIT_NOT_FOUND;
        case MP_ERROR_INVALID:
        case MP_ERROR_RANGE:
        case MP_ERROR_CHECKSUM:
        case MP_ERROR_UNSUPPORTED:
        case MP_ERROR_SAFETY:
            return MCTL_EXIT_INVALID;
        }
    }
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return MCTL_EXIT_NOT_FOUND;
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
        g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_PERM))
        return MCTL_EXIT_PERMISSION;
    return MCTL_EXIT_FAILURE;
}

int mctl_fail_error(MctlContext *ctx, const GError *error, const char *hint)
{
    return fail_message(ctx, mctl_exit_for_error(error), hint, error->message);
}

gboolean mctl_want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "--"))
            break;
        if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h"))
            return TRUE;
    }
    return FALSE;
}

int mctl_run_table(MctlContext *ctx, const char *parent, const MctlCommand *table, int argc,
                   char **argv)
{
    if (argc < 2 || g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
        g_str_equal(argv[1], "help")) {
        mctl_print_table_help(ctx, parent, table, argc < 2 ? stderr : stdout);
        return argc < 2 ? MCTL_EXIT_USAGE : MCTL_EXIT_OK;
    }
    for (const MctlCommand *c = table; c->name; c++) {
        if (g_str_equal(c->name, argv[1])) {
            char *command = parent ? g_strdup_printf("%s %s", parent, c->name) : g_strdup(c->name);
            g_free(ctx->command);
            ctx->command = command;
            return c->run(ctx, argc - 1, argv + 1);
        }
    }
    /* A slip of the keyboard gets the command it was meant to be. */
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (const MctlCommand *c = table; c->name; c++)
        g_ptr_array_add(names, (gpointer)c->name);
    g_ptr_array_add(names, NULL);
    const char *guess = mp_suggest(argv[1], (const char *const *)names->pdata);
    g_autofree char *where =
        parent ? g_strdup_printf("%s %s", ctx->prog, parent) : g_strdup(ctx->prog);
    g_autofree char *hint =
        guess ? g_strdup_printf("Did you mean '%s %s'?", where, guess)
              : g_strdup_printf("Run '%s --help' for the list of commands.", where);
    return mctl_fail(ctx, MCTL_EXIT_USAGE, hint, "unknown command '%s%s%s'", parent ? parent : "",
                     parent ? " " : "", argv[1]);
}

gboolean mctl_parse_args(MctlContext *ctx, int *argc, char ***argv, const MctlArgs *args, int *rc)
{
    const char *command = ctx->command ? ctx->command : (*argv)[0];
    if (mctl_want_help(*argc, *argv)) {
        mctl_print_command_help(ctx, command, args, stdout);
        *rc = MCTL_EXIT_OK;
        return FALSE;
    }
    g_autofree char *hint = g_strdup_printf("Run '%s %s --help'.", ctx->prog, command);
    if (ctx->json && args->text_only) {
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, hint, "%s has no JSON output: leave out --json",
                        command);
        return FALSE;
    }
    g_autoptr(GOptionContext) oc = g_option_context_new(args->params);
    g_option_context_set_help_enabled(oc, FALSE);
    g_option_context_set_summary(oc, args->summary);
    if (args->entries)
        g_option_context_add_main_entries(oc, args->entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, argc, argv, &error)) {
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, hint, "%s: %s", command, error->message);
        return FALSE;
    }
    /* GOption leaves "--" in place; drop it. */
    for (int i = 1; i < *argc; i++) {
        if (g_str_equal((*argv)[i], "--")) {
            memmove(&(*argv)[i], &(*argv)[i + 1], (size_t)(*argc - i) * sizeof(char *));
            (*argc)--;
            break;
        }
    }
    int n = *argc - 1;
    if (n < args->min_args || (args->max_args >= 0 && n > args->max_args)) {
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, args->arg_hint, "%s",
                        args->arg_error ? args->arg_error : "wrong number of arguments");
        return FALSE;
    }
    return TRUE;
}

gboolean mctl_parse_options(MctlContext *ctx, int *argc, char ***argv, const GOptionEntry *entries,
                            const char *params, const char *summary, int *rc)
{
    const MctlArgs args = {
        .params = params, .summary = summary, .entries = entries, .max_args = -1};
    return mctl_parse_args(ctx, argc, argv, &args, rc);
}

/* O_EXCL: "never overwritten" holds even when the file appears between a
 * check and the write. */
static gboolean write_new_file(const char *path, const char *text, int mode, GError **error)
{
    int fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
                    e == EEXIST ? "exists; not overwriting it" : g_strerror(e));
        return FALSE;
    }
    gsize len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            g_unlink(path);
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
                        g_strerror(e));
            return FALSE;
        }
        done += (gsize)n;
    }
    if (close(fd) != 0) {
        int e = errno;
        g_unlink(path);
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

int mctl_export_text(MctlContext *ctx, const char *key, const char *name, const char *text,
                     const char *output, int mode)
{
    if (output) {
        g_autoptr(GError) error = NULL;
        if (!write_new_file(output, text, mode, &error)) {
            gboolean exists = g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_EXIST);
            return mctl_fail(ctx, exists ? MCTL_EXIT_FAILURE : mctl_exit_for_error(error),
                             exists ? "Choose another name or remove it first." : NULL, "%s",
                             error->message);
        }
    }
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, key);
        json_builder_add_string_value(b, name);
        json_builder_set_member_name(b, "text");
        json_builder_add_string_value(b, text);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else if (!output) {
        fputs(text, stdout);
    }
    return MCTL_EXIT_OK;
}
