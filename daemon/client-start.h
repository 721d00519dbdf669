/* A client profile applied at Manager1.Start (option "client"): the
 * programme with the profile's exclusions applied and checked again against
 * the daemon's limits and the profile's MaxSessionTime, before the session
 * is made; the profile's MaxIntensity bound to the device's motion gate for
 * the session's life once it is. Kept apart from manager.c so the Start
 * handler only calls in. */
#pragma once

#include <gio/gio.h>

#include "daemon/daemon.h"
#include "daemon/device.h"
#include "daemon/programme-store.h"

G_BEGIN_DECLS

typedef struct _MsdClientStart MsdClientStart;

/* Reads option "client" from Start's `options`. Without it, returns a
 * start that changes nothing. With it: MSD_ERROR_NOT_FOUND for an unknown
 * label, MSD_ERROR_INVALID_ARGS when the profile leaves nothing to play or
 * the programme runs longer than its MaxSessionTime,
 * MSD_ERROR_INVALID_PROGRAMME when what is left fails the daemon's rules. */
MsdClientStart *msd_client_start_prepare(MsdDaemon *daemon, GVariant *options,
                                         MsdProgrammeEntry *entry, GError **error);
/* The programme to play (borrowed; the original when no profile applies). */
MsdProgrammeEntry *msd_client_start_entry(MsdClientStart *start);
/* Once the session exists: the cap goes to the device's motion gate (lifted
 * when the device's session changes) and the session's Client, Skipped and
 * IntensityCap properties are set. */
void msd_client_start_bind(MsdClientStart *start, MsdSession *session, MsdDevice *device);
void msd_client_start_free(MsdClientStart *start);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdClientStart, msd_client_start_free)

G_END_DECLS
