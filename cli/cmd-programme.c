/* Placeholder until the programme commands land (issue in progress). */
#include "cli/massagectl.h"

int mctl_cmd_programme(MctlContext *ctx, int argc, char **argv)
{
    return mctl_fail(ctx, MCTL_EXIT_FAILURE, NULL, "'programme' is not built yet");
}
