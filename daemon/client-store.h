/* The client-profile store: profiles (protocol/client-profile.h) kept by the
 * daemon in <statedir>/clients/<label>.client, each written atomically (a
 * temporary file renamed over the target), so a crash or a refused edit
 * never loses a stored profile. A profile is validated against the daemon's
 * limits on every save and load: it may only tighten them. At most
 * MSD_CLIENT_STORE_MAX profiles. */
#pragma once

#include <glib.h>

#include "protocol/client-profile.h"

G_BEGIN_DECLS

#define MSD_CLIENT_STORE_MAX 1000

typedef struct _MsdClientStore MsdClientStore;

/* `limits` is copied; nothing is read until msd_client_store_load(). */
MsdClientStore *msd_client_store_new(const char *state_dir, const MpSafetyLimits *limits);
void msd_client_store_free(MsdClientStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdClientStore, msd_client_store_free)

/* Reads the directory. A file that fails (a bad profile, or one looser than
 * today's limits) is logged and left out; it is never deleted. */
void msd_client_store_load(MsdClientStore *store);

/* Every profile (borrowed), by label. */
GPtrArray *msd_client_store_list(MsdClientStore *store);
/* Borrowed; MSD_ERROR_NOT_FOUND: "no client profile \"x\"". */
const MpClientProfile *msd_client_store_lookup(MsdClientStore *store, const char *label,
                                               GError **error);
/* Parses, validates (format and limits) and stores `text`. `replace` FALSE:
 * the label must be new; TRUE: it must exist. MSD_ERROR_INVALID_ARGS holds
 * every located diagnostic, one per line ("line 3: [Client] MaxIntensity:
 * ..."). Returns the label. On any error nothing is written. */
char *msd_client_store_save(MsdClientStore *store, const char *text, gboolean replace,
                            GError **error);
gboolean msd_client_store_remove(MsdClientStore *store, const char *label, GError **error);

/* One line: "max 40%, at most 10min, leaves out left side" ("no limits of its own"). */
char *msd_client_profile_summary(const MpClientProfile *p);

G_END_DECLS
