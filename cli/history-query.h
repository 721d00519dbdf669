/* The history filters shared by 'history' (list) and 'history export', and
 * the row fields they print. */
#pragma once

#include "cli/client.h"

G_BEGIN_DECLS

typedef struct {
    char *since;
    char *until;
    char *device;
    char *programme;
    char *client;
    char *outcome;
    int limit;
} MctlHistoryFilter;

/* GOption entries for the filters, pointing into `f` (terminated). */
void mctl_history_filter_entries(MctlHistoryFilter *f, GOptionEntry out[8]);
void mctl_history_filter_clear(MctlHistoryFilter *f);
/* Asks the daemon: the rows (aa{sv}, oldest first), or NULL after printing
 * the error (its exit code in *rc). The daemon validates every filter. */
GVariant *mctl_history_query(MctlContext *ctx, MctlClient *c, MctlHistoryFilter *f, int *rc);

/* The columns in their documented order (docs/history.md). */
extern const char *const mctl_history_columns[];
/* A column's value as text ("" when absent). */
char *mctl_history_field(GVariant *row, const char *column);
/* One row as the history-entry JSON object (docs/json.md): every column,
 * null when absent. */
void mctl_history_entry_json(JsonBuilder *b, GVariant *row);

G_END_DECLS
