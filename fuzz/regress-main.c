/* Regression mode: runs LLVMFuzzerTestOneInput once over every file named
 * on the command line, or every file in a directory named there. Built
 * without libFuzzer (any compiler), so `./dev test` replays each corpus in
 * the ASan/UBSan build. */
#include <glib.h>
#include <stdio.h>

#include "fuzz/fuzz.h"

static int run_file(const char *path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &data, &len, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    return 0;
}

int main(int argc, char **argv)
{
    guint files = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            rc |= run_file(argv[i]);
            files++;
            continue;
        }
        g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(argv[i], name, NULL);
            if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
                rc |= run_file(path);
                files++;
            }
        }
    }
    printf("%u inputs run\n", files);
    return files == 0 ? 1 : rc;
}
