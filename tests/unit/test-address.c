/* mp_address_is_valid: the one check for "AA:BB:CC:DD:EE:FF". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/address.h"

static void test_valid(void **state)
{
    assert_true(mp_address_is_valid("AA:BB:CC:DD:EE:FF"));
    assert_true(mp_address_is_valid("aa:bb:cc:00:11:9f")); /* either case */
}

static void test_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "AA:BB:CC:DD:EE",       /* short */
        "AA:BB:CC:DD:EE:FF:00", /* long */
        "AA-BB-CC-DD-EE-FF",    /* other separator */
        "AA:BB:CC:DD:EE:FG",    /* not hex */
        "AAB:B:CC:DD:EE:FF",    /* separators misplaced, same length */
        "/org/massaged/hci0/",  /* a path */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        assert_false(mp_address_is_valid(bad[i]));
    assert_false(mp_address_is_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
