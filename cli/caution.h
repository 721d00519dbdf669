/* Cautions for people (docs/safety.md, "Before you use it"): a short general
 * caution before a person's first start, once per user, and a programme's
 * own Caution= before every start. Both go to stderr, so --json output on
 * stdout stays one clean JSON object. */
#pragma once

#include "cli/client.h"

G_BEGIN_DECLS

/* The environment variable that turns the one-time caution off for a hub,
 * like --no-caution: set to anything but "" or "0". */
#define MCTL_NO_CAUTION_ENV "MASSAGECTL_NO_CAUTION"

/* The stamp that records that this user has seen the caution:
 * $XDG_STATE_HOME/massagectl/caution-seen (an absolute XDG_STATE_HOME only,
 * as the XDG spec says), else ~/.local/state/massagectl/caution-seen. */
char *mctl_caution_stamp_path(void);

/* Prints the general caution on stderr unless it is switched off (the option
 * or the environment) or this user has seen this revision of it. Returns TRUE
 * if it printed it: the caller then calls mctl_caution_mark_seen() once the
 * start has succeeded, so a start that failed shows it again next time. */
gboolean mctl_caution_show_first_use(gboolean no_caution_option);

/* Writes the stamp. Without a writable home it does nothing: the caution is
 * then shown at every start, and the start never fails for it. */
void mctl_caution_mark_seen(void);

/* The programme's Caution= (NULL if it has none): fetched from the daemon
 * with Manager1.GetProgramme, so imported programmes have theirs too, and
 * parsed with protocol/. FALSE with *error set if the daemon does not know
 * the programme (or cannot be asked); a text that does not parse is not an
 * error here (the daemon's Start judges the programme), only no caution. */
gboolean mctl_caution_fetch(MctlClient *client, const char *programme, char **caution,
                            GError **error);

/* Prints "Caution for PROGRAMME:" and the text, wrapped, on stderr. */
void mctl_caution_show_programme(const char *programme, const char *caution);

/* Writes `text` wrapped at `width` columns (counted in characters), each
 * line after `indent`, to `out`. For cautions shown in a terminal. */
void mctl_caution_print_wrapped(FILE *out, const char *indent, const char *text, guint width);

G_END_DECLS
