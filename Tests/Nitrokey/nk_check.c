/* Drives a Nitrokey Pro through Debian's libnitrokey (its C API), as an independent check of otpkit's emulator:
 * a wrong admin PIN, the right one, writing HOTP slot 1, reading it back with its counter, and three codes.
 * Usage: nk_check SECRET_HEX COUNTER. Prints one line per step for the test to read. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <libnitrokey/NK_C_API.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: nk_check SECRET_HEX COUNTER\n");
        return 64;
    }
    const char *temporary = "otpkit-temporary-passwd1";  /* 24 characters and the NUL: the 25 bytes the API takes */
    NK_set_debug_level(0);
    if (NK_login("P") != 1) {
        printf("login failed\n");
        return 2;
    }
    printf("serial %" PRIu32 "\n", NK_device_serial_number_as_u32());
    int status = NK_first_authenticate("00000000", temporary);
    printf("wrong-pin status=%d retries=%d\n", status, NK_get_admin_retry_count());
    status = NK_first_authenticate("12345678", temporary);
    printf("right-pin status=%d retries=%d\n", status, NK_get_admin_retry_count());
    printf("write status=%d\n", NK_write_hotp_slot(1, "otpkit", argv[1], strtoull(argv[2], NULL, 10), false, false, false, "", temporary));
    struct ReadSlot_t slot;
    status = NK_read_HOTP_slot(1, &slot);
    printf("read status=%d name=%.15s counter=%" PRIu64 "\n", status, (const char *)slot.slot_name, slot.slot_counter);
    for (int i = 0; i < 3; i++) {
        char *code = NK_get_hotp_code(1);
        printf("code %s status=%d\n", code, NK_get_last_command_status());
        free(code);
    }
    NK_logout();
    return 0;
}
