/* The live view of a playing session (start --follow), and its event lines. */
#pragma once

#include "cli/client.h"

G_BEGIN_DECLS

/* Follows the session until it finishes. On a terminal the view is redrawn in
 * place; otherwise one plain line per change; with --json one JSON object per
 * change. Ctrl-C stops the session (and so the device) and returns
 * MCTL_EXIT_INTERRUPTED. Returns 0 when the programme completed. */
int mctl_follow_session(MctlContext *ctx, MctlClient *client, const char *session_path);

/* start --wait: waits for the session's end without showing its progress
 * and without binding it (Ctrl-C or a kill ends only this command, exit 9;
 * the session plays on). Prints the outcome and its detail (with --json the
 * session's final record, outcome and detail included) and returns
 * mctl_exit_for_wait_outcome(). */
int mctl_wait_session(MctlContext *ctx, MctlClient *client, const char *session_path);

/* Exit code per outcome for --wait: completed 0, stopped 10, device-lost 11,
 * error 12, shutdown (or the daemon gone) 13. */
int mctl_exit_for_wait_outcome(const char *outcome);

G_END_DECLS
