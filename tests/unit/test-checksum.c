/* Checksums against the catalogue's check values ("123456789"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/checksum.h"

static const guint8 check[] = "123456789";
#define CHECK_LEN 9

static void test_crc8_smbus(void **state)
{
    assert_int_equal(mp_crc8(check, CHECK_LEN), 0xF4);
    assert_int_equal(mp_crc8(NULL, 0), 0x00);
}

static void test_crc16_modbus(void **state)
{
    assert_int_equal(mp_crc16_modbus(check, CHECK_LEN), 0x4B37);
    assert_int_equal(mp_crc16_modbus(NULL, 0), 0xFFFF);
}

static void test_crc16_ccitt_false(void **state)
{
    assert_int_equal(mp_crc16_ccitt(check, CHECK_LEN), 0x29B1);
}

static void test_sum8_wraps(void **state)
{
    const guint8 bytes[] = {0xFF, 0x02, 0x10};
    assert_int_equal(mp_sum8(bytes, sizeof bytes), 0x11);
    /* The Theragun example frame: aa 70 01 03 09 60 03, checksum over bytes 2.. */
    const guint8 speed[] = {0x01, 0x03, 0x09, 0x60, 0x03};
    assert_int_equal(mp_sum8(speed, sizeof speed), 0x70);
}

static void test_xor8(void **state)
{
    const guint8 bytes[] = {0xAA, 0x55, 0x0F};
    assert_int_equal(mp_xor8(bytes, sizeof bytes), 0xF0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc8_smbus),
        cmocka_unit_test(test_crc16_modbus),
        cmocka_unit_test(test_crc16_ccitt_false),
        cmocka_unit_test(test_sum8_wraps),
        cmocka_unit_test(test_xor8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
