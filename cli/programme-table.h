/* programme show's table of steps as they play, aligned by libsmartcols. */
#pragma once

#include <stdio.h>

#include "protocol/timeline.h"

G_BEGIN_DECLS

/* One line per timeline entry: #, start, step (its Name), muscle, zone,
 * side, length, intensity; a rest shows "rest" and no muscle or zone. */
void mctl_print_steps_table(FILE *out, const MpTimeline *tl);

G_END_DECLS
