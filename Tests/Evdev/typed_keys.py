#!/usr/bin/python3
"""Reads what an evdev keyboard types, as a desktop would (python3-evdev, Debian's). Run under `otpkit emulate --`:
finds the keyboard among /dev/input/event* (udev marks it ID_INPUT_KEYBOARD), prints "ready NAME PATH", then prints "typed TEXT" for the keys pressed
until Enter (TEXT ends with "\\n") and exits. Nothing but key presses and releases and SYN_REPORT may arrive."""
import sys

import evdev
from evdev import ecodes

KEYS = {getattr(ecodes, "KEY_%d" % d): str(d) for d in range(10)}
KEYS.update({getattr(ecodes, "KEY_" + c.upper()): c for c in "abcdefghijklmnopqrstuvwxyz"})


def main():
    keyboards = []
    for path in evdev.list_devices():
        device = evdev.InputDevice(path)
        keys = device.capabilities().get(ecodes.EV_KEY, [])
        if ecodes.KEY_ENTER in keys and ecodes.KEY_1 in keys:
            keyboards.append(device)
    if len(keyboards) != 1:
        print("keyboards %d" % len(keyboards), flush=True)
        return 1
    keyboard = keyboards[0]
    # udev's properties, as libudev reads them from the device's uevent: a desktop takes only ID_INPUT_KEYBOARD ones.
    with open("/sys/class/input/%s/uevent" % keyboard.path.rsplit("/", 1)[1]) as uevent:
        if "ID_INPUT_KEYBOARD=1" not in uevent.read().split():
            print("not marked ID_INPUT_KEYBOARD", flush=True)
            return 1
    print("ready %s %s" % (keyboard.name.replace(" ", "_"), keyboard.path), flush=True)
    text = ""
    for event in keyboard.read_loop():
        if event.type == ecodes.EV_SYN:
            continue
        if event.type != ecodes.EV_KEY:
            print("unexpected event type %d" % event.type, flush=True)
            return 1
        if event.value != 1:
            continue
        if event.code == ecodes.KEY_ENTER:
            print("typed %s" % text, flush=True)
            return 0
        text += KEYS.get(event.code, "?")


sys.exit(main())
