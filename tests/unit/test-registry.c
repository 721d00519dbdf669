/* The registry: built-ins, directories of *.device files (later overrides
 * earlier by name), lookup by name or path, matching a discovered device. */
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/registry.h"
#include "tmp-dir.h"

#define SHIPPED SOURCE_DATADIR "/devices"
#define GOOD    TEST_DATADIR "/data/devices/good"

static const char *const ffe0[] = {"0000ffe0-0000-1000-8000-00805f9b34fb", NULL};
static const char *const magic[] = {"0000180f-0000-1000-8000-00805f9b34fb",
                                    "78667579-7B48-43DB-B8C5-7928A6B0A335", NULL};
static const char *const nus[] = {"6e400001-b5a3-f393-e0a9-e50e24dcca9e", NULL};
static const char *const unrelated[] = {"180d", NULL};

static char *write_device(const char *dir, const char *file, const char *name, const char *desc)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autofree char *text = g_strdup_printf("[Device]\nName = %s\nDescription = %s\n"
                                            "Kind = vibration\nService = abcd\nWrite = abce\n"
                                            "[Commands]\nStop = 00\n",
                                            name, desc);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    return g_steal_pointer(&path);
}

static void test_builtins(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    g_autoptr(GPtrArray) list = mp_registry_list(r);
    assert_int_equal(list->len, 3);
    assert_string_equal(((MpDriver *)list->pdata[0])->name, "reference");
    assert_string_equal(((MpDriver *)list->pdata[1])->name, "theragun");
    assert_string_equal(((MpDriver *)list->pdata[2])->name, "lovense");
}

static void test_load_shipped(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
    mp_registry_load_dir(r, SHIPPED, errors);
    for (guint i = 0; i < errors->len; i++)
        print_message("%s\n", ((GError *)errors->pdata[i])->message);
    assert_int_equal(errors->len, 0);
    g_autoptr(GPtrArray) list = mp_registry_list(r);
    assert_true(list->len >= 5);
    /* Built-ins first, then files by name. */
    assert_string_equal(((MpDriver *)list->pdata[2])->name, "lovense");
    for (guint i = 4; i < list->len; i++)
        assert_true(
            strcmp(((MpDriver *)list->pdata[i - 1])->name, ((MpDriver *)list->pdata[i])->name) < 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(MpDriver) mm = mp_registry_lookup(r, "magic-motion-v1", &error);
    assert_non_null(mm);
    assert_string_equal(mm->origin, SHIPPED "/magic-motion-v1.device");
}

static void test_missing_dir_is_fine(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
    mp_registry_load_dir(r, TEST_DATADIR "/no/such/dir", errors);
    assert_int_equal(errors->len, 0);
    g_autoptr(GPtrArray) list = mp_registry_list(r);
    assert_int_equal(list->len, 3);
}

static void test_bad_files_skipped(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
    mp_registry_load_dir(r, TEST_DATADIR "/data/devices/bad", errors);
    assert_true(errors->len >= 50);
    const GError *e = errors->pdata[0];
    assert_true(g_str_has_prefix(e->message, TEST_DATADIR "/data/devices/bad/"));
    g_autoptr(GPtrArray) list = mp_registry_list(r);
    assert_int_equal(list->len, 3); /* nothing half-loaded */
    /* Without an errors array the bad files are skipped quietly. */
    mp_registry_load_dir(r, TEST_DATADIR "/data/devices/bad", NULL);
    mp_registry_load_dir(r, GOOD, NULL);
    g_autoptr(GPtrArray) list2 = mp_registry_list(r);
    assert_int_equal(list2->len, 5);
}

static void test_override_order(void **state)
{
    (void)state;
    g_autofree char *d1 = g_dir_make_tmp("registry-XXXXXX", NULL);
    g_autofree char *d2 = g_dir_make_tmp("registry-XXXXXX", NULL);
    g_autofree char *p1 = write_device(d1, "acme.device", "acme", "first");
    g_autofree char *p2 = write_device(d2, "other-file.device", "acme", "second");
    g_autofree char *p3 = write_device(d2, "tg.device", "theragun", "a file replacing a built-in");
    g_autofree char *p4 = write_device(d2, "notes.txt", "ignored", "not a .device");

    g_autoptr(MpRegistry) r = mp_registry_new();
    mp_registry_load_dir(r, d1, NULL);
    mp_registry_load_dir(r, d2, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(MpDriver) acme = mp_registry_lookup(r, "acme", &error);
    assert_string_equal(acme->description, "second");
    assert_string_equal(acme->origin, p2);
    g_autoptr(MpDriver) tg = mp_registry_lookup(r, "theragun", &error);
    assert_string_equal(tg->origin, p3);
    g_autoptr(MpDriver) ignored = mp_registry_lookup(r, "ignored", &error);
    assert_null(ignored);
    g_autoptr(GPtrArray) list = mp_registry_list(r);
    assert_int_equal(list->len, 4); /* reference, lovense, acme, theragun (file) */
    assert_string_equal(((MpDriver *)list->pdata[0])->name, "reference");
    assert_string_equal(((MpDriver *)list->pdata[1])->name, "lovense");
    assert_string_equal(((MpDriver *)list->pdata[2])->name, "acme");
    assert_string_equal(((MpDriver *)list->pdata[3])->name, "theragun");

    /* The other order: d1 last wins. */
    g_autoptr(MpRegistry) r2 = mp_registry_new();
    mp_registry_load_dir(r2, d2, NULL);
    mp_registry_load_dir(r2, d1, NULL);
    g_autoptr(MpDriver) acme2 = mp_registry_lookup(r2, "acme", &error);
    assert_string_equal(acme2->description, "first");

    /* mp_registry_add takes its own reference. */
    g_autoptr(MpDriver) extra = mp_driver_ref(acme2);
    mp_registry_add(r, extra);
    assert_int_equal(extra->ref_count, 4); /* acme2, r2, extra, r */
    rm_rf(d1);
    rm_rf(d2);
}

static void test_lookup(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(MpDriver) d = mp_registry_lookup(r, GOOD "/acme-gun.device", &error);
        assert_non_null(d);
        assert_string_equal(d->name, "acme-gun");
        /* Loading by path does not add it. */
        g_autoptr(MpDriver) again = mp_registry_lookup(r, "acme-gun", &error);
        assert_null(again);
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_NOT_FOUND));
    }
    {
        g_autoptr(GError) error = NULL;
        assert_null(mp_registry_lookup(r, "theragn", &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_NOT_FOUND));
        assert_string_equal(error->message, "no driver 'theragn'; did you mean 'theragun'?");
    }
    {
        g_autoptr(GError) error = NULL;
        assert_null(mp_registry_lookup(r, "wand", &error));
        assert_string_equal(error->message,
                            "no driver 'wand' (known: reference, theragun, lovense)");
    }
    {
        g_autoptr(GError) error = NULL;
        assert_null(mp_registry_lookup(r, "no-such.device", &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_NOT_FOUND));
    }
    {
        g_autoptr(GError) error = NULL;
        assert_null(
            mp_registry_lookup(r, TEST_DATADIR "/data/devices/bad/unknown-group.device", &error));
        assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_INVALID));
    }
}

static const char *match_name(MpRegistry *r, const char *adv, const char *const *uuids)
{
    MpDriver *d = mp_registry_match(r, adv, uuids);
    return d ? d->name : "(none)";
}

static void test_match(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    mp_registry_load_dir(r, SHIPPED, NULL);
    /* Service and name. */
    assert_string_equal(match_name(r, "Pro", ffe0), "theragun");
    assert_string_equal(match_name(r, "LVS-Lush", nus), "lovense");
    assert_string_equal(match_name(r, "Smart Mini Vibe", magic), "magic-motion-v1");
    /* Name alone (devices that do not advertise their service). */
    assert_string_equal(match_name(r, "Smart Mini Vibe", NULL), "magic-motion-v1");
    assert_string_equal(match_name(r, "Smart Mini Vibe", unrelated), "magic-motion-v1");
    /* Two drivers share FFE0: the name decides. */
    assert_string_equal(match_name(r, "My Viviana", ffe0), "svakom-viviana");
    assert_string_equal(match_name(r, "Elite", ffe0), "theragun");
    /* A driver that lists names needs one of them: FFE0 and the Nordic UART
     * are on countless unrelated devices, and nothing unknown gets driven. */
    assert_string_equal(match_name(r, "ZZ", ffe0), "(none)");
    assert_string_equal(match_name(r, "HMSoft", ffe0), "(none)");
    assert_string_equal(match_name(r, NULL, nus), "(none)");
    assert_string_equal(match_name(r, "Unknown", magic), "(none)");
    /* Nothing fits. */
    assert_string_equal(match_name(r, "Heart Rate", unrelated), "(none)");
    assert_string_equal(match_name(r, NULL, NULL), "(none)");
}

static void test_service_uuids(void **state)
{
    (void)state;
    g_autoptr(MpRegistry) r = mp_registry_new();
    mp_registry_load_dir(r, SHIPPED, NULL);
    g_auto(GStrv) uuids = mp_registry_service_uuids(r);
    /* reference, ffe0 (theragun and svakom: once), nus, magic motion */
    assert_int_equal(g_strv_length(uuids), 4);
    assert_true(
        g_strv_contains((const char *const *)uuids, "0000ffe0-0000-1000-8000-00805f9b34fb"));
    assert_true(
        g_strv_contains((const char *const *)uuids, "6e400001-b5a3-f393-e0a9-e50e24dcca9e"));
    assert_true(
        g_strv_contains((const char *const *)uuids, "78667579-7b48-43db-b8c5-7928a6b0a335"));
    assert_true(
        g_strv_contains((const char *const *)uuids, "e9150001-8561-4594-b206-6dd46f942e75"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_load_shipped),
        cmocka_unit_test(test_missing_dir_is_fine),
        cmocka_unit_test(test_bad_files_skipped),
        cmocka_unit_test(test_override_order),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_service_uuids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
