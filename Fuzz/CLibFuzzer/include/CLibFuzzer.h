// libFuzzer's driver entry (compiler-rt): runs the fuzzing loop with the arguments libFuzzer's own main would take.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*userCallback)(const uint8_t *data, size_t size));
