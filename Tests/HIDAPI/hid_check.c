/* Enumerates HID devices with hidapi and exchanges feature reports with them, as HID software does: built against
 * hidapi's hidraw backend (-lhidapi-hidraw) it sees /dev/hidraw*, against its libusb backend (-lhidapi-libusb)
 * /dev/bus/usb. Used by otpkit's tests under `otpkit emulate --`.
 *
 *   hid_check list                      one line per device: vvvv:pppp interface=N serial=S product=P path=PATH
 *   hid_check get PATH LENGTH [COUNT]   GET_REPORT(feature, id 0) of LENGTH bytes, COUNT times; prints the last
 *                                       answer in hex and the round trips per second
 *   hid_check set PATH HEX              SET_REPORT(feature, id 0) of the bytes HEX; prints the count written
 */
#include <hidapi/hidapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

static int list(void) {
    struct hid_device_info *all = hid_enumerate(0, 0);
    for (struct hid_device_info *d = all; d; d = d->next)
        printf("%04x:%04x interface=%d serial=%ls product=%ls path=%s\n", d->vendor_id, d->product_id,
               d->interface_number, d->serial_number ? d->serial_number : L"", d->product_string ? d->product_string : L"",
               d->path);
    hid_free_enumeration(all);
    return 0;
}

static hid_device *open_path(const char *path) {
    hid_device *device = hid_open_path(path);
    if (!device) fprintf(stderr, "cannot open %s: %ls\n", path, hid_error(NULL));
    return device;
}

static int get(const char *path, int length, long count) {
    hid_device *device = open_path(path);
    if (!device) return 1;
    unsigned char buffer[1025];
    if (length < 1 || length > (int) sizeof buffer) return 2;
    int answered = -1;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < count; i++) {
        memset(buffer, 0, sizeof buffer);
        answered = hid_get_feature_report(device, buffer, (size_t) length);
        if (answered < 0) {
            fprintf(stderr, "get feature report: %ls\n", hid_error(device));
            hid_close(device);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double) (end.tv_sec - start.tv_sec) + (double) (end.tv_nsec - start.tv_nsec) / 1e9;
    for (int i = 0; i < answered; i++) printf("%02x", buffer[i]);
    printf("\nround_trips_per_second=%.0f\n", seconds > 0 ? (double) count / seconds : 0.0);
    hid_close(device);
    return 0;
}

static int set(const char *path, const char *hex) {
    hid_device *device = open_path(path);
    if (!device) return 1;
    unsigned char buffer[1025] = {0};
    size_t length = strlen(hex) / 2;
    if (length < 1 || length > sizeof buffer) return 2;
    for (size_t i = 0; i < length; i++) sscanf(hex + 2 * i, "%2hhx", &buffer[i]);
    int written = hid_send_feature_report(device, buffer, length);
    if (written < 0) fprintf(stderr, "send feature report: %ls\n", hid_error(device));
    else printf("%d\n", written);
    hid_close(device);
    return written < 0;
}

int main(int argc, char **argv) {
    if (hid_init() != 0) return 1;
    int status = 2;
    if (argc == 2 && strcmp(argv[1], "list") == 0) status = list();
    else if ((argc == 4 || argc == 5) && strcmp(argv[1], "get") == 0) status = get(argv[2], atoi(argv[3]), argc == 5 ? atol(argv[4]) : 1);
    else if (argc == 4 && strcmp(argv[1], "set") == 0) status = set(argv[2], argv[3]);
    else fprintf(stderr, "usage: hid_check list | get PATH LENGTH [COUNT] | set PATH HEX\n");
    hid_exit();
    return status;
}
