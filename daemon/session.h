/* A session: one programme playing on one device, exported as
 * org.massaged.Session1 at /org/massaged/session/<N>. The playback itself
 * (deadlines, pause/resume/next/previous/adjust, safety at play time) is the
 * engine's (daemon/engine.h); the reconnect window is the device's link
 * (daemon/link.h). This file binds the engine to D-Bus, to the device
 * (every level through msd_device_set_level, the device's motion gate) and
 * to an attached caller. */
#pragma once

#include <gio/gio.h>

#include "daemon/device.h"
#include "daemon/programme-store.h"

G_BEGIN_DECLS

typedef struct {
    gboolean attach; /* end when the caller's bus name vanishes */
    double scale;    /* percent, 10..100 */
    int side;        /* MpSide: only that side's pass; MP_SIDE_NONE: all */
    char *client;    /* "client": a label for the history (and profiles); NULL: none */
    char *note;      /* "note": free text for the history; NULL: none */
} MsdSessionOptions;

/* Parses Start's a{sv}; unknown keys and bad values are MSD_ERROR_INVALID_ARGS.
 * "client" (1..64 bytes) and "note" (up to 1000 bytes) are UTF-8 without
 * control characters (a note may hold line breaks and tabs). Free with
 * msd_session_options_clear(). */
gboolean msd_session_options_parse(GVariant *options, MsdSessionOptions *out, GError **error);
void msd_session_options_clear(MsdSessionOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MsdSessionOptions, msd_session_options_clear)

MsdSession *msd_session_new(MsdDaemon *daemon, guint id, MsdDevice *device,
                            MsdProgrammeEntry *programme, const MsdSessionOptions *options,
                            const char *caller, GError **error);
void msd_session_free(MsdSession *session);

const char *msd_session_get_path(MsdSession *session);
const char *msd_session_get_programme_id(MsdSession *session);
gboolean msd_session_is_ended(MsdSession *session);
GDBusObjectSkeleton *msd_session_get_object(MsdSession *session);

/* Begins playback once the device is ready (connecting it first if needed)
 * and answers `start` (Manager1.Start, owned from here on) once the first
 * level went to the device, or with the error in words when it ends first
 * (connect failed, stopped, shutdown). */
void msd_session_start(MsdSession *session, GDBusMethodInvocation *start);
/* Ends the session (idempotent): the device is told to stop, Finished(reason)
 * is emitted and the object is removed shortly after. The device's link ends
 * it with "device-lost" when its reconnect window passes. */
void msd_session_end(MsdSession *session, const char *reason);
/* The device dropped / came back (reported by the device). */
void msd_session_device_lost(MsdSession *session);
void msd_session_device_returned(MsdSession *session);
/* The device said it stopped by itself (its own button, its watchdog, an
 * error; `why` names it, e.g. "device-stopped: user stop button"): the
 * session pauses as if a person paused it (the sink's stop goes out),
 * PauseReason becomes "device-stopped", and nothing moves the motor again
 * until a person resumes (the resume obeys the start and rise rules). Paused
 * or waiting for the device: only the reason changes (a device that returns
 * comes back paused). Before the start (still connecting): only logged. */
void msd_session_device_stopped(MsdSession *session, const char *why);

G_END_DECLS
