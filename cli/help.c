/* One help style for every level: "Usage:" once, a wrapped description, then
 * aligned "Commands:" or "Options:" rows that fit 80 columns. A left column
 * too long for its field puts its description on the next line, as GNU tools
 * do, instead of running past the edge. */
#include <string.h>

#include "cli/massagectl.h"

#define HELP_WIDTH 79 /* the last column a help line may use */
#define HELP_FIELD 30 /* where descriptions start */

/* Prints `text` from column `col`, wrapping words at HELP_WIDTH; wrapped
 * lines start at `indent`. Ends the line. */
static void print_wrapped(FILE *out, const char *text, int col, int indent)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \n", -1);
    gboolean first = TRUE;
    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        int len = (int)g_utf8_strlen(*w, -1);
        if (!first && col + 1 + len > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
            first = TRUE;
        }
        fprintf(out, "%s%s", first ? "" : " ", *w);
        col += (first ? 0 : 1) + len;
        first = FALSE;
    }
    fputc('\n', out);
}

/* "  LEFT      description", or LEFT alone when it reaches the field. */
static void print_row(FILE *out, const char *left, const char *description)
{
    int len = 2 + (int)g_utf8_strlen(left, -1);
    fprintf(out, "  %s", left);
    if (len + 2 > HELP_FIELD) {
        fprintf(out, "\n%*s", HELP_FIELD, "");
    } else {
        fprintf(out, "%*s", HELP_FIELD - len, "");
    }
    print_wrapped(out, description ? description : "", HELP_FIELD, HELP_FIELD);
}

void mctl_print_command_rows(const MctlCommand *table, FILE *out)
{
    fprintf(out, "Commands:\n");
    for (const MctlCommand *c = table; c->name; c++) {
        g_autofree char *left =
            c->usage && *c->usage ? g_strdup_printf("%s %s", c->name, c->usage) : g_strdup(c->name);
        print_row(out, left, c->summary);
    }
}

void mctl_print_table_help(MctlContext *ctx, const char *parent, const MctlCommand *table,
                           FILE *out)
{
    const char *p = parent ? parent : "";
    const char *sep = parent ? " " : "";
    fprintf(out, "Usage: %s%s%s COMMAND [ARGS]\n\n", ctx->prog, sep, p);
    mctl_print_command_rows(table, out);
    fprintf(out, "\nRun '%s%s%s COMMAND --help' for a command's options.\n", ctx->prog, sep, p);
}

void mctl_print_command_help(MctlContext *ctx, const char *command, const MctlArgs *args, FILE *out)
{
    const char *params = args->params;
    gboolean any = FALSE;
    for (const GOptionEntry *e = args->entries; e && e->long_name; e++)
        any = any || (*e->long_name && !(e->flags & G_OPTION_FLAG_HIDDEN));
    fprintf(out, "Usage: %s %s%s%s%s\n\n", ctx->prog, command, any ? " [OPTIONS]" : "",
            params && *params ? " " : "", params ? params : "");
    if (args->summary) {
        /* Paragraphs stay paragraphs; each is wrapped on its own. */
        g_auto(GStrv) paragraphs = g_strsplit(args->summary, "\n\n", -1);
        for (char **p = paragraphs; *p; p++) {
            print_wrapped(out, *p, 0, 0);
            fputc('\n', out);
        }
    }
    fprintf(out, "Options:\n");
    for (const GOptionEntry *e = args->entries; e && e->long_name; e++) {
        if (!*e->long_name || (e->flags & G_OPTION_FLAG_HIDDEN))
            continue;
        g_autoptr(GString) left = g_string_new(NULL);
        if (e->short_name)
            g_string_append_printf(left, "-%c, ", e->short_name);
        g_string_append_printf(left, "--%s", e->long_name);
        if (e->arg != G_OPTION_ARG_NONE)
            g_string_append_printf(left, " %s", e->arg_description ? e->arg_description : "VALUE");
        print_row(out, left->str, e->description);
    }
    print_row(out, "-h, --help", "Show this help");
    /* Only where the command has JSON output: a text-only one refuses it. */
    if (!args->text_only)
        print_row(out, "--json", "Machine-readable output (docs/json.md)");
}
