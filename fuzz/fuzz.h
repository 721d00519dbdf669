/* Shared by the libFuzzer harnesses (fuzz/fuzz-*.c). Each harness defines
 * LLVMFuzzerTestOneInput; built with clang -fsanitize=fuzzer it is a fuzzer
 * (`./dev fuzz`), built with regress-main.c it runs every file of its corpus
 * once (the ctest label "fuzz" in `./dev test`), so a crash once found stays
 * fixed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
