// libudev (Debian: libudev-dev).
#include <libudev.h>
