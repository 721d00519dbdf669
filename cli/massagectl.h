/* massagectl: shared definitions for the command table and its commands. */
#pragma once

#include <stdio.h>

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Documented exit codes (docs/massagectl.md, massagectl(1)). Stable: home
 * hubs script against them. */
typedef enum {
    MCTL_EXIT_OK = 0,
    MCTL_EXIT_FAILURE = 1,       /* anything not listed below */
    MCTL_EXIT_USAGE = 2,         /* bad command line */
    MCTL_EXIT_NOT_FOUND = 3,     /* no such device, programme, session, driver or file */
    MCTL_EXIT_NOT_CONNECTED = 4, /* the device is not connected */
    MCTL_EXIT_BUSY = 5,          /* the device or daemon is busy (e.g. a session runs) */
    MCTL_EXIT_INVALID = 6,       /* invalid programme, device file, bytes or value */
    MCTL_EXIT_UNREACHABLE = 7,   /* the daemon is not running or not reachable */
    MCTL_EXIT_PERMISSION = 8,    /* not allowed (not in group "massage") */
    MCTL_EXIT_INTERRUPTED = 9,   /* stopped by Ctrl-C during --follow */
    /* start --wait: how the session ended, one code per outcome
     * (completed is 0; caller-vanished cannot happen: --wait never attaches) */
    MCTL_EXIT_STOPPED = 10,       /* someone stopped it (Stop, StopAll, massagectl stop) */
    MCTL_EXIT_DEVICE_LOST = 11,   /* the device did not come back within the reconnect window */
    MCTL_EXIT_SESSION_ERROR = 12, /* it ended in an error (the detail says which) */
    MCTL_EXIT_SHUTDOWN = 13,      /* massaged shut down (or went away) during it */
} MctlExit;

/* Session1.Adjust's range in percent (data/org.massaged.xml): adjust and
 * start --scale both check against it. */
#define MCTL_SCALE_MIN 10
#define MCTL_SCALE_MAX 100

typedef struct {
    gboolean json;    /* --json: one JSON object (JSON lines for streams) */
    gboolean color;   /* on a terminal and NO_COLOR unset */
    gboolean is_tty;  /* stdout is a terminal */
    gboolean utf8;    /* the locale's charset is UTF-8 */
    const char *prog; /* "massagectl" */
    char *data_dir;   /* built-in programmes and devices (--data-dir, for tests) */
    /* --data-dir or MASSAGED_DATA_DIR: programme list/show/plot read there and do not
     * ask the daemon (cli/programme-source.c). */
    gboolean data_dir_given;
    char *device_dir; /* user *.device files (--device-dir) */
    char *command;    /* the command running, as typed ("client export"): for its help and errors */
} MctlContext;

typedef int (*MctlRunFunc)(MctlContext *ctx, int argc, char **argv);

typedef struct {
    const char *name;
    const char *usage;   /* "DRIVER COMMAND [VALUE]" */
    const char *summary; /* one line for the table in --help */
    MctlRunFunc run;
} MctlCommand;

/* Commands, one file each (cli/cmd-*.c). argv[0] is the command's name. */
int mctl_cmd_status(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_scan(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_devices(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_connect(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_disconnect(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_info(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_start(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_pause(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_resume(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_next(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_previous(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_adjust(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_stop(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_battery(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_monitor(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_device(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_programme(MctlContext *ctx, int argc, char **argv);
/* history [list] | show ID | export --csv (cmd-history*.c) */
int mctl_cmd_history(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_history_show(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_history_export(MctlContext *ctx, int argc, char **argv);
/* programme import|export|remove, through the daemon (cmd-programme-store.c) */
int mctl_cmd_programme_import(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_programme_export(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_programme_remove(MctlContext *ctx, int argc, char **argv);
int mctl_cmd_client(MctlContext *ctx, int argc, char **argv); /* cmd-client.c */

/* Runs a sub-command table: argv[0] is the parent, argv[1] the sub-command. */
int mctl_run_table(MctlContext *ctx, const char *parent, const MctlCommand *table, int argc,
                   char **argv);
/* Help, one style everywhere (cli/help.c): a sub-command table's, the rows
 * of a command table, and one command's usage, description and options. */
void mctl_print_table_help(MctlContext *ctx, const char *parent, const MctlCommand *table,
                           FILE *out);
void mctl_print_command_rows(const MctlCommand *table, FILE *out);
/* How a command reads its command line: mctl_parse_args() and, for the
 * commands that talk to the daemon, mctl_begin() (cli/client.h). */
typedef struct {
    const char *params;          /* its positional arguments in the usage: "LABEL", "[DEV]" */
    const char *summary;         /* what it does, for --help (paragraphs split by "\n\n") */
    const GOptionEntry *entries; /* its options, or NULL */
    int min_args, max_args;      /* how many positional arguments it takes; max -1: any */
    const char *arg_error;       /* the usage error when it is given another number */
    const char *arg_hint;        /* that error's hint, or NULL */
    gboolean text_only;          /* no JSON output: --json is refused, and not in its help */
} MctlArgs;

void mctl_print_command_help(MctlContext *ctx, const char *command, const MctlArgs *args,
                             FILE *out);

/* Errors: one line, "massagectl: what went wrong", then what to do if known.
 * With --json, {"error": {"code": N, "name": "...", "message": "..."}} on stdout. */
int mctl_fail(MctlContext *ctx, int code, const char *hint, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* A GError from the protocol library or D-Bus, mapped to its exit code. */
int mctl_fail_error(MctlContext *ctx, const GError *error, const char *hint);
int mctl_exit_for_error(const GError *error);
const char *mctl_exit_name(int code);

/* An export's text: written to `output` if given (created with `mode`,
 * never over an existing file), printed otherwise; with --json
 * {key: name, "text": text} either way. Returns the exit code. */
int mctl_export_text(MctlContext *ctx, const char *key, const char *name, const char *text,
                     const char *output, int mode);

/* Prints a JSON node as one line to stdout (for --json). */
void mctl_print_json(JsonNode *node);
void mctl_print_json_builder(JsonBuilder *builder);
/* member: value, or null when value is NULL ("absent is null", docs/json.md). */
void mctl_json_add_string(JsonBuilder *b, const char *member, const char *value);
/* {member: value} as one line (the id or label a command stored or removed). */
void mctl_print_json_string(const char *member, const char *value);

/* Parses an option like --help in a sub-command's argv; TRUE if found. */
gboolean mctl_want_help(int argc, char **argv);

G_END_DECLS

G_BEGIN_DECLS
/* Parses a command's options with GOption and counts its positional
 * arguments. Prints help (for --help, rc 0) or a usage error (rc 2: an
 * unknown option, another number of arguments, or --json for a text-only
 * command) and returns FALSE; leaves the positional arguments in argc/argv
 * (argv[0] stays the command's name). */
gboolean mctl_parse_args(MctlContext *ctx, int *argc, char ***argv, const MctlArgs *args, int *rc);
/* The same for any number of positional arguments, which the caller checks. */
gboolean mctl_parse_options(MctlContext *ctx, int *argc, char ***argv, const GOptionEntry *entries,
                            const char *params, const char *summary, int *rc);
G_END_DECLS
