/* The connection to massaged for the commands that need the daemon: the
 * system bus, the Manager1 proxy, the object tree, and how a user's DEV
 * argument finds its Device1 object. */
#pragma once

#include "cli/massagectl.h"
#include "massaged-api.h"

G_BEGIN_DECLS

typedef struct {
    GDBusConnection *bus;
    MsdManager1 *manager;
    GDBusObjectManager *objects; /* Device1 and Session1 objects, kept up to date */
} MctlClient;

/* Connects, or prints the one-line error (daemon not running → how to start
 * it) and returns NULL with *rc set to the exit code. */
MctlClient *mctl_client_new(MctlContext *ctx, int *rc);
void mctl_client_free(MctlClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MctlClient, mctl_client_free)

/* Every Device1 (MsdDevice1*, new references), sorted by address. */
GPtrArray *mctl_client_devices(MctlClient *client);
/* Every Session1 (MsdSession1*, new references). */
GPtrArray *mctl_client_sessions(MctlClient *client);
MsdDevice1 *mctl_client_device_at(MctlClient *client, const char *path);
MsdSession1 *mctl_client_session_at(MctlClient *client, const char *path);

/* DEV: an address, a name, or a unique prefix of either (case-insensitive);
 * NULL: the one connected device. Prints the error and sets *rc on failure. */
MsdDevice1 *mctl_client_find_device(MctlClient *client, MctlContext *ctx, const char *dev, int *rc);
/* The session of DEV (or of the only running session when dev is NULL). */
MsdSession1 *mctl_client_find_session(MctlClient *client, MctlContext *ctx, const char *dev,
                                      int *rc);

/* D-Bus error → exit code (org.massaged.Error.* and the bus's own errors). */
int mctl_exit_for_dbus_error(const GError *error);
/* Prints a D-Bus error as one line with the remote error name stripped and a
 * hint where one helps; returns the exit code. */
int mctl_fail_dbus(MctlContext *ctx, const GError *error, const char *what);
/* The same with the command's own hint in place of the table's (where the
 * table's advice would be wrong, e.g. "connect first" after a connect). */
int mctl_fail_dbus_hint(MctlContext *ctx, const GError *error, const char *what,
                        const char *own_hint);

/* Reads every property of the proxy's object again, so what a command prints
 * after its action is the state after it (cli/proxy-refresh.c). */
gboolean mctl_proxy_refresh(GDBusProxy *proxy, GError **error);

/* The start of a command that needs the daemon: mctl_parse_args(), then
 * mctl_client_new(). NULL with *rc set (0 after --help) when the command
 * ends there. */
MctlClient *mctl_begin(MctlContext *ctx, int *argc, char ***argv, const MctlArgs *args, int *rc);
/* mctl_begin() for a command on one device: its first positional argument
 * is DEV, or without one the one connected device (mctl_client_find_device).
 * The client goes to *client (for the caller to free, even on failure). NULL
 * with *rc set when the command ends there. */
MsdDevice1 *mctl_begin_device(MctlContext *ctx, int *argc, char ***argv, const MctlArgs *args,
                              MctlClient **client, int *rc);

/* A Manager1 call that gives the text of a stored thing by its id
 * (msd_manager1_call_get_client_sync, ..._get_programme_sync). */
typedef gboolean (*MctlGetTextFunc)(MsdManager1 *manager, const char *id, char **text,
                                    GCancellable *cancellable, GError **error);
/* client export, programme export: "ID [-o FILE]" (args gives the usage,
 * summary and usage error; this adds -o) → the text `get` gives for ID,
 * through mctl_export_text(ctx, key, ID, text, FILE, mode). */
int mctl_export_from_daemon(MctlContext *ctx, int argc, char **argv, const MctlArgs *args,
                            MctlGetTextFunc get, const char *key, int mode);

/* After an action on a device: reads its state again (mctl_proxy_refresh),
 * so what the command prints is the state after it. FALSE with the error
 * printed and *rc set when it cannot be read. */
gboolean mctl_device_refresh(MctlContext *ctx, MsdDevice1 *d, int *rc);

/* JSON for the objects (cli/json.c), shared by status, devices, info and monitor. */
void mctl_json_add_device(JsonBuilder *b, MsdDevice1 *dev);
/* member "battery": the percent, or null when unknown (level < 0). */
void mctl_json_add_battery(JsonBuilder *b, gint level);
/* member "devices": [device...]. */
void mctl_json_add_devices(JsonBuilder *b, GPtrArray *devices);
/* The device object, or {"devices": [...]}, as one line on stdout. */
void mctl_print_device_json(MsdDevice1 *dev);
void mctl_print_devices_json(GPtrArray *devices);
/* One event line of a stream (monitor, start --follow): begins the object
 * with "event", then "what" when not NULL, then "time" (now, UTC ISO 8601);
 * the caller adds the event's own members and ends it with
 * mctl_json_event_print(), which prints it as one line. */
void mctl_json_event_begin(JsonBuilder *b, const char *event, const char *what);
void mctl_json_event_print(JsonBuilder *b);
void mctl_json_add_session(JsonBuilder *b, MsdSession1 *session, MctlClient *client);
/* The session object's members into an object the caller has begun: a
 * command's output is the object it acted on plus its own members. */
void mctl_json_add_session_members(JsonBuilder *b, MsdSession1 *session, MctlClient *client);
/* member: the time (µs since the epoch) as UTC ISO 8601, or null for 0. */
void mctl_json_add_time(JsonBuilder *b, const char *member, gint64 unix_us);

/* "1:30", "12:05", "1:02:03". */
char *mctl_format_ms(guint64 ms);
/* A session's PauseReason in words for people ("paused: the device stopped
 * itself ..."), or NULL when it has none (not paused, or an old daemon). */
char *mctl_pause_reason_words(MsdSession1 *session);

/* start --client LABEL (cmd-client.c): before the start, the profile's
 * cautions on stderr (an unknown label fails here, with its exit code);
 * after it, what the daemon skipped and the cap, from the session. */
int mctl_client_profile_before_start(MctlContext *ctx, MctlClient *c, const char *label);
void mctl_client_profile_after_start(MctlClient *c, const char *session);

G_END_DECLS
