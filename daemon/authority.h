/* Who may call what: the org.massaged methods that move a motor or change the
 * stored programmes are asked of polkit, asynchronously, on the main loop
 * (docs/security.md). Reads and stops are never asked: a stop must not wait
 * for an authority or a password. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MSD_ACTION_CONTROL           "org.massaged.control"
#define MSD_ACTION_MANAGE_PROGRAMMES "org.massaged.manage-programmes"
/* The session history and client profiles: a client's label, notes and
 * cautions are personal (health) data, so even reading them asks. */
#define MSD_ACTION_CLIENTS "org.massaged.clients"

typedef enum {
    MSD_AUTH_OPEN,    /* anybody the D-Bus policy lets through: reads, stops */
    MSD_AUTH_POLKIT,  /* the polkit action *action_out */
    MSD_AUTH_UNKNOWN, /* a method this table does not know: refused (fail closed) */
} MsdAuthKind;

/* What `interface`.`method` needs; *action_out is the polkit action id for
 * MSD_AUTH_POLKIT, NULL otherwise. */
MsdAuthKind msd_authority_lookup(const char *interface, const char *method,
                                 const char **action_out);

/* Puts the check in front of every method of `skeleton`. Call it right after
 * the skeleton is created and before its own handle-* handlers are
 * connected: the check's handler must run first. */
void msd_authority_guard(GDBusInterfaceSkeleton *skeleton);

G_END_DECLS
