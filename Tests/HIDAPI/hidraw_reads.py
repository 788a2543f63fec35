#!/usr/bin/python3
"""Reads input reports from a hidraw node as HID software does, and reports how the reads behaved:
an output report written, an O_NONBLOCK read with nothing queued, select() with nothing queued, blocking reads of what a press types, and a
blocking read while the device is pulled out. Prints one line per step; the test drives the presses and unplugs."""
import errno
import os
import select
import sys


def main(path):
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    try:
        os.read(fd, 64)
        print("nonblocking data", flush=True)
    except BlockingIOError:
        print("nonblocking EAGAIN", flush=True)
    print("write %d" % os.write(fd, bytes([0, 0x02])), flush=True)  # an output report: the keyboard's LEDs
    readable, _, _ = select.select([fd], [], [], 0.2)
    print("select %s" % ("readable" if readable else "timeout"), flush=True)
    os.set_blocking(fd, True)
    print("waiting", flush=True)
    reports = []
    while True:
        report = os.read(fd, 64)
        reports.append(report.hex())
        if len(report) != 8:
            break
        if reports[-2:-1] and bytes.fromhex(reports[-2])[2] == 0x28 and report == bytes(8):
            break  # Enter pressed and released
    print("reports %s" % " ".join(reports), flush=True)
    print("waiting for unplug", flush=True)
    try:
        os.read(fd, 64)
        print("gone no", flush=True)
    except OSError as error:
        print("gone %s" % errno.errorcode[error.errno], flush=True)
    return 0


sys.exit(main(sys.argv[1]))
