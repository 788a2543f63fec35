// libumockdev (Debian: libumockdev-dev): a testbed of fake sysfs, /dev nodes and udev events for programs run with
// LD_PRELOAD=libumockdev-preload.so.0, and ioctl handlers that answer those programs' device ioctls in process.
#include <umockdev.h>
