/* massagectl: the command-line client of massaged, and offline tools for
 * device files and programmes. A command table; one file per command. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cli/massagectl.h"

static const MctlCommand commands[] = {
    {"status", "", "The daemon, its devices and sessions (the default)", mctl_cmd_status},
    {"scan", "[--timeout S]", "Find massage devices nearby", mctl_cmd_scan},
    {"devices", "", "List the devices massaged knows", mctl_cmd_devices},
    {"connect", "DEV", "Connect a device", mctl_cmd_connect},
    {"disconnect", "[DEV]", "Stop and disconnect a device", mctl_cmd_disconnect},
    {"info", "[DEV]", "Show one device", mctl_cmd_info},
    {"start", "PROGRAMME [OPTIONS]", "Play a programme on a device", mctl_cmd_start},
    {"pause", "[DEV]", "Pause the session", mctl_cmd_pause},
    {"resume", "[DEV]", "Resume the session", mctl_cmd_resume},
    {"next", "[DEV]", "Skip to the next step", mctl_cmd_next},
    {"previous", "[DEV]", "Back to the previous step", mctl_cmd_previous},
    {"adjust", "+N|-N|N [DEV]", "Scale the session's intensity", mctl_cmd_adjust},
    {"stop", "[DEV | --all]", "Stop now (every device without DEV)", mctl_cmd_stop},
    {"battery", "[DEV]", "Battery levels", mctl_cmd_battery},
    {"monitor", "[--event K] [--device DEV]", "Print events as they happen", mctl_cmd_monitor},
    {"device", "list|encode|decode|check ...", "Device drivers and *.device files (offline)",
     mctl_cmd_device},
    {"programme", "list|show|plot|validate|import|export|remove ...", "Massage programmes",
     mctl_cmd_programme},
    {"history", "[list] [FILTERS] | show ID | export --csv", "The recorded sessions",
     mctl_cmd_history},
    {"client", "list|show|add|edit|export|remove ...", "Client profiles (limits per client)",
     mctl_cmd_client},
    {NULL, NULL, NULL, NULL},
};

static void print_help(MctlContext *ctx, FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
            "Controls massage devices through massaged.\n\n"
            "Options:\n"
            "  --json              Machine-readable output: one JSON object per result\n"
            "                      (docs/json.md), where a command's help lists it\n"
            "  --data-dir DIR      Built-in programmes and devices\n"
            "                      (default %s)\n"
            "  --device-dir DIR    Extra *.device files\n"
            "                      (default %s/devices)\n"
            "  --version           Print the version\n"
            "  -h, --help          Show this help\n\n",
            ctx->prog, MASSAGED_DATADIR, MASSAGED_SYSCONFDIR);
    mctl_print_command_rows(commands, out);
    fprintf(out,
            "\nRun '%s COMMAND --help' for a command's options.\n\n"
            "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 not connected, 5 busy,\n"
            "6 invalid input, 7 daemon unreachable, 8 permission denied, 9 interrupted;\n"
            "start --wait and --follow: 10 stopped, 11 device lost, 12 error, 13 shutdown.\n",
            ctx->prog);
}

/* Takes the value of "--opt VALUE" or "--opt=VALUE" at argv[*i]. */
static gboolean take_value(int argc, char **argv, int *i, const char *opt, char **out)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return FALSE;
    if (argv[*i][n] == '=') {
        g_free(*out);
        *out = g_strdup(argv[*i] + n + 1);
        return TRUE;
    }
    if (argv[*i][n] == '\0' && *i + 1 < argc) {
        g_free(*out);
        *out = g_strdup(argv[++*i]);
        return TRUE;
    }
    return FALSE;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    MctlContext ctx = {.prog = "massagectl"};
    ctx.is_tty = isatty(STDOUT_FILENO);
    ctx.color = ctx.is_tty && !g_getenv("NO_COLOR");
    ctx.utf8 = g_get_charset(NULL);

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (g_str_equal(argv[i], "--json")) {
            ctx.json = TRUE;
        } else if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
            print_help(&ctx, stdout);
            return MCTL_EXIT_OK;
        } else if (g_str_equal(argv[i], "--version")) {
            printf("massagectl %s\n", MASSAGED_VERSION);
            return MCTL_EXIT_OK;
        } else if (take_value(argc, argv, &i, "--data-dir", &ctx.data_dir) ||
                   take_value(argc, argv, &i, "--device-dir", &ctx.device_dir)) {
            continue;
        } else {
            return mctl_fail(&ctx, MCTL_EXIT_USAGE, "Run 'massagectl --help' for the options.",
                             "unknown option '%s'", argv[i]);
        }
    }
    /* --json may also follow the command, where people tend to type it. */
    for (int j = i; j < argc; j++) {
        if (g_str_equal(argv[j], "--"))
            break;
        if (g_str_equal(argv[j], "--json")) {
            ctx.json = TRUE;
            memmove(&argv[j], &argv[j + 1], (size_t)(argc - j - 1) * sizeof(char *));
            argv[--argc] = NULL;
            j--;
        }
    }
    if (ctx.json)
        ctx.color = FALSE;
    ctx.data_dir_given = ctx.data_dir || g_getenv("MASSAGED_DATA_DIR");
    if (!ctx.data_dir)
        ctx.data_dir = g_strdup(g_getenv("MASSAGED_DATA_DIR") ? g_getenv("MASSAGED_DATA_DIR")
                                                              : MASSAGED_DATADIR);
    if (!ctx.device_dir)
        ctx.device_dir = g_build_filename(MASSAGED_SYSCONFDIR, "devices", NULL);

    int rc;
    if (i >= argc) {
        /* Plain `massagectl` shows the status, as systemctl and bluetoothctl users expect. */
        char *status_argv[] = {"status", NULL};
        rc = mctl_cmd_status(&ctx, 1, status_argv);
    } else if (g_str_equal(argv[i], "help")) {
        print_help(&ctx, stdout);
        rc = MCTL_EXIT_OK;
    } else {
        /* Re-use the table runner with argv[i-1] standing for the program. */
        rc = mctl_run_table(&ctx, NULL, commands, argc - i + 1, argv + i - 1);
    }
    g_free(ctx.data_dir);
    g_free(ctx.device_dir);
    g_free(ctx.command);
    return rc;
}
