/* The driver registry: built-in drivers plus *.device files, and the choice of
 * a driver for a discovered device. Later directories override earlier ones
 * by driver name, so /etc/massaged/devices beats the shipped files. */
#pragma once

#include "protocol/driver.h"

G_BEGIN_DECLS

typedef struct _MpRegistry MpRegistry;

MpRegistry *mp_registry_new(void); /* with the built-in drivers */
void mp_registry_free(MpRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpRegistry, mp_registry_free)

/* Loads every *.device file in `dir` (a missing directory is not an error).
 * Files that fail to parse are skipped and their errors appended to `errors`
 * (a GPtrArray of GError*, may be NULL); the others are added. */
void mp_registry_load_dir(MpRegistry *registry, const char *dir, GPtrArray *errors);
/* Adds one driver, replacing one of the same name. Takes a reference. */
void mp_registry_add(MpRegistry *registry, MpDriver *driver);

/* By name, or by path to a .device file (loaded on the fly; anything with a
 * "/" or ending in ".device" is a path). Returns a new reference. */
MpDriver *mp_registry_lookup(MpRegistry *registry, const char *name_or_path, GError **error);
/* The best-scoring driver for a discovered device, or NULL. Not a new reference. */
MpDriver *mp_registry_match(MpRegistry *registry, const char *adv_name,
                            const char *const *service_uuids);
/* Every driver (MpDriver*, borrowed), built-ins first, then by name. */
GPtrArray *mp_registry_list(MpRegistry *registry);
/* The union of the service UUIDs, for a discovery filter. NULL-terminated. */
GStrv mp_registry_service_uuids(MpRegistry *registry);

G_END_DECLS
