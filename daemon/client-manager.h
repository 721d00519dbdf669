/* Manager1's client-profile methods (daemon/client-manager.c). */
#pragma once

#include "daemon/daemon.h"

G_BEGIN_DECLS

/* Connects the method handlers to the exported Manager1 skeleton. */
void msd_client_manager_connect(MsdDaemon *daemon);

G_END_DECLS
