/* The drivers the daemon knows: protocol/'s registry (built-ins plus
 * *.device files) when this build has it, else the built-in drivers alone.
 * The registry and the daemon were written in parallel; this keeps the
 * daemon buildable either way, and is a thin pass-through once the
 * registry exists. */
#pragma once

#include "protocol/driver.h"

G_BEGIN_DECLS

typedef struct _MsdDriverSet MsdDriverSet;

MsdDriverSet *msd_driver_set_new(void);
void msd_driver_set_free(MsdDriverSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdDriverSet, msd_driver_set_free)

/* *.device files in `dir`; errors (GError*) appended to `errors`. Without
 * the registry, a directory holding device files is reported as an error. */
void msd_driver_set_load_dir(MsdDriverSet *set, const char *dir, GPtrArray *errors);
MpDriver *msd_driver_set_match(MsdDriverSet *set, const char *name, const char *const *uuids);
GPtrArray *msd_driver_set_list(MsdDriverSet *set); /* MpDriver*, borrowed */
GStrv msd_driver_set_service_uuids(MsdDriverSet *set);

G_END_DECLS
