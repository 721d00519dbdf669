/* Programmes from text for the unit tests of the timeline and the engine:
 * parsed (or loaded: parsed, then validated against limits), every
 * diagnostic printed, and the programme asserted to be there. Include after
 * <cmocka.h>. */
#pragma once

#include <string.h>

#include "protocol/programme.h"

/* limits NULL: parse only. clean: not even a warning is allowed. */
static MpProgramme *programme_from_text(const char *text, const MpSafetyLimits *limits,
                                        gboolean clean)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    MpProgramme *p = limits ? mp_programme_load(text, strlen(text), "t.programme", limits, diags)
                            : mp_programme_parse(text, strlen(text), "t.programme", diags);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *s = mp_diagnostic_to_string(g_ptr_array_index(diags, i));
        print_error("unexpected: %s\n", s);
    }
    assert_non_null(p);
    if (clean)
        assert_int_equal(diags->len, 0);
    return p;
}

/* Parsed; diagnostics printed but allowed. */
G_GNUC_UNUSED static MpProgramme *parse_ok(const char *text)
{
    return programme_from_text(text, NULL, FALSE);
}

/* Parsed, without a single diagnostic. */
G_GNUC_UNUSED static MpProgramme *parse_clean(const char *text)
{
    return programme_from_text(text, NULL, TRUE);
}

/* Loaded (parsed and validated against limits); diagnostics allowed. */
G_GNUC_UNUSED static MpProgramme *load_ok(const char *text, const MpSafetyLimits *limits)
{
    return programme_from_text(text, limits, FALSE);
}
