// Empty: the declaration in include/CLibFuzzer.h is all this target provides; libFuzzer links it in.
#include "CLibFuzzer.h"
