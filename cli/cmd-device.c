/* Placeholder until the device commands land (issue in progress). */
#include "cli/massagectl.h"

int mctl_cmd_device(MctlContext *ctx, int argc, char **argv)
{
    return mctl_fail(ctx, MCTL_EXIT_FAILURE, NULL, "'device' is not built yet");
}
