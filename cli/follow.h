/* The live view of a playing session (start --follow), and its event lines. */
#pragma once

#include "cli/client.h"

G_BEGIN_DECLS

/* Follows the session until it finishes. On a terminal the view is redrawn in
 * place; otherwise one plain line per change; with --json one JSON object per
 * change. Ctrl-C stops the session (and so the device) and returns
 * MCTL_EXIT_INTERRUPTED. Returns 0 when the programme completed. */
int mctl_follow_session(MctlContext *ctx, MctlClient *client, const char *session_path);

/* Exit code for a Finished reason. */
int mctl_exit_for_finish_reason(const char *reason);

G_END_DECLS
