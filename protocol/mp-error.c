#include "protocol/mp-error.h"

/* clang-format off */
G_DEFINE_QUARK(massage-protocol-error-quark, mp_error)
/* clang-format on */
