/* daemon/authority.c's table: every method of data/org.massaged.xml has a
 * decision (open, or a polkit action the policy file declares), stops and
 * reads are open, and an unknown method is refused (fail closed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "daemon/authority.h"
#include "massaged-api.h"

static void test_every_method_has_a_decision(void **state)
{
    GDBusInterfaceInfo *ifaces[] = {msd_manager1_interface_info(), msd_device1_interface_info(),
                                    msd_session1_interface_info()};
    g_autofree char *policy = NULL;
    g_autofree char *path =
        g_build_filename(SOURCE_DATADIR, "..", "systemd", "org.massaged.policy", NULL);
    assert_true(g_file_get_contents(path, &policy, NULL, NULL));
    guint n = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(ifaces); i++) {
        for (GDBusMethodInfo **m = ifaces[i]->methods; m && *m; m++, n++) {
            const char *action;
            MsdAuthKind kind = msd_authority_lookup(ifaces[i]->name, (*m)->name, &action);
            if (kind == MSD_AUTH_UNKNOWN)
                fail_msg("%s.%s has no entry in daemon/authority.c", ifaces[i]->name, (*m)->name);
            if (kind == MSD_AUTH_POLKIT) {
                g_autofree char *decl = g_strdup_printf("<action id=\"%s\">", action);
                if (!strstr(policy, decl))
                    fail_msg("%s (for %s) is not declared in org.massaged.policy", action,
                             (*m)->name);
            }
        }
    }
    assert_true(n >= 19);
}

static void expect(const char *iface, const char *method, MsdAuthKind want, const char *action)
{
    const char *got;
    assert_int_equal(msd_authority_lookup(iface, method, &got), want);
    assert_string_equal(got ? got : "", action ? action : "");
}

static void test_stops_and_reads_are_open(void **state)
{
    expect("org.massaged.Manager1", "StopAll", MSD_AUTH_OPEN, NULL);
    expect("org.massaged.Device1", "Stop", MSD_AUTH_OPEN, NULL);
    expect("org.massaged.Session1", "Stop", MSD_AUTH_OPEN, NULL);
    expect("org.massaged.Manager1", "ListProgrammes", MSD_AUTH_OPEN, NULL);
    expect("org.massaged.Manager1", "ListProgrammeDetails", MSD_AUTH_OPEN, NULL);
    expect("org.massaged.Manager1", "GetProgramme", MSD_AUTH_OPEN, NULL);
}

static void test_control_and_programmes_ask(void **state)
{
    expect("org.massaged.Manager1", "Start", MSD_AUTH_POLKIT, MSD_ACTION_CONTROL);
    expect("org.massaged.Device1", "SetIntensity", MSD_AUTH_POLKIT, MSD_ACTION_CONTROL);
    expect("org.massaged.Session1", "Resume", MSD_AUTH_POLKIT, MSD_ACTION_CONTROL);
    expect("org.massaged.Manager1", "ImportProgramme", MSD_AUTH_POLKIT,
           MSD_ACTION_MANAGE_PROGRAMMES);
    expect("org.massaged.Manager1", "RemoveProgramme", MSD_AUTH_POLKIT,
           MSD_ACTION_MANAGE_PROGRAMMES);
    expect("org.massaged.Manager1", "ReplaceProgramme", MSD_AUTH_POLKIT,
           MSD_ACTION_MANAGE_PROGRAMMES);
    /* Personal data: the history and client profiles are not open reads. */
    expect("org.massaged.Manager1", "QueryHistory", MSD_AUTH_POLKIT, MSD_ACTION_CLIENTS);
    expect("org.massaged.Manager1", "GetClient", MSD_AUTH_POLKIT, MSD_ACTION_CLIENTS);
    expect("org.massaged.Manager1", "SaveClient", MSD_AUTH_POLKIT, MSD_ACTION_CLIENTS);
}

static void test_unknown_is_refused(void **state)
{
    expect("org.massaged.Manager1", "NoSuchMethod", MSD_AUTH_UNKNOWN, NULL);
    expect("org.massaged.Device9", "Stop", MSD_AUTH_UNKNOWN, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_method_has_a_decision),
        cmocka_unit_test(test_stops_and_reads_are_open),
        cmocka_unit_test(test_control_and_programmes_ask),
        cmocka_unit_test(test_unknown_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
