#!/usr/bin/python3
"""A virtual USB device in user space for libusb clients, backed by otpkit's emulator.

umockdev fakes sysfs and /dev/bus/usb for programs run with LD_PRELOAD=libumockdev-preload.so.0 and
UMOCKDEV_DIR=<testbed>. This bridge owns such a testbed: it adds one USB device whose descriptors it reads from a
token served by `otpkit emulate`, and answers the usbdevfs ioctls that libusb issues on its device node by forwarding
each control transfer to that token over USB/IP. So otpkit's libusb transport runs, unchanged, against the emulated
token, with no kernel USB support.

Run with Debian's python3 (python3-gi, gir1.2-umockdev-1.0): usb_bridge.py HOST PORT BUSID
It prints `UMOCKDEV_DIR=<path>` and `DEVICE=usb:<bus>:<address>` when ready, and runs until stdin closes.
"""
import errno
import socket
import struct
import sys
import threading

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402


def ioc(direction, number, size):
    return (direction << 30) | (size << 16) | (ord("U") << 8) | number


NONE, WRITE, READ = 0, 1, 2
URB_SIZE = 56  # struct usbdevfs_urb on 64-bit, without iso frame descriptors
USBDEVFS = {
    ioc(READ, 4, 8): "SETINTERFACE", ioc(READ, 5, 4): "SETCONFIGURATION", ioc(WRITE, 8, 260): "GETDRIVER",
    ioc(READ, 10, URB_SIZE): "SUBMITURB", ioc(NONE, 11, 0): "DISCARDURB", ioc(WRITE, 12, 8): "REAPURB",
    ioc(WRITE, 13, 8): "REAPURBNDELAY", ioc(READ, 15, 4): "CLAIMINTERFACE", ioc(READ, 16, 4): "RELEASEINTERFACE",
    ioc(WRITE, 17, 8): "CONNECTINFO", ioc(READ | WRITE, 18, 16): "IOCTL", ioc(NONE, 20, 0): "RESET",
    ioc(READ, 21, 4): "CLEAR_HALT", ioc(READ, 26, 4): "GET_CAPABILITIES", ioc(READ, 27, 264): "DISCONNECT_CLAIM",
}
URB_TYPE_CONTROL = 2


class USBIPDevice:
    """One imported device on a USB/IP server (the Linux kernel's protocol, big-endian)."""

    def __init__(self, host, port, busid):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.sendall(struct.pack(">HHI32s", 0x0111, 0x8003, 0, busid.encode()))
        _, _, status = struct.unpack(">HHI", self.recv(8))
        if status != 0:
            raise SystemExit(f"usb_bridge: the server refused to import {busid} (status {status})")
        record = self.recv(312)
        self.busnum, self.devnum = struct.unpack(">II", record[288:296])
        self.seq = 0
        self.lock = threading.Lock()
        self.alive = True

    def recv(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the USB/IP server closed the connection")
            data += chunk
        return data

    def control(self, setup, out_data):
        """One control transfer: returns (status as negative errno or 0, IN data)."""
        with self.lock:
            if not self.alive:
                return -errno.ENODEV, b""
            self.seq += 1
            request_type, _, _, _, length = struct.unpack("<BBHHH", setup)
            direction_in = request_type & 0x80 != 0
            buffer_length = length if direction_in else len(out_data)
            header = struct.pack(">IIIII", 1, self.seq, self.busnum << 16 | self.devnum, 1 if direction_in else 0, 0)
            header += struct.pack(">IiiiI", 0x200 if direction_in else 0, buffer_length, 0, 0, 0) + setup
            try:
                self.sock.sendall(header + (b"" if direction_in else out_data))
                reply = self.recv(48)
                _, seq, _, _, _, status, actual = struct.unpack(">IIIIIii", reply[:28])
                data = self.recv(actual) if direction_in and actual > 0 else b""
            except (ConnectionError, OSError):
                self.alive = False
                return -errno.ENODEV, b""
            return status, data


def arg_bytes(data):
    """The bytes of an ioctl argument (IoctlData.data would stop at the first NUL)."""
    return bytes(data.retrieve())


def pointee(arg, size):
    """usbdevfs ioctls take a pointer: the client memory it points to, readable and writable."""
    return arg.resolve(0, size)


def client_key(client):
    """Identifies one client connection (one process's open device node) across its ioctls."""
    return hash(client)


class UsbdevfsHandler:
    """Answers libusb's usbdevfs ioctls; control URBs complete at submit and wait in a queue to be reaped."""

    def __init__(self, device):
        self.device = device
        self.completed = []  # URB IoctlData objects, kept alive from submit to reap
        self.claimed_by = {}  # interface -> client devnode connection id
        self.lock = threading.Lock()

    def handle(self, _base, client):
        name = USBDEVFS.get(client.get_request())
        arg = client.get_arg()
        handler = getattr(self, f"on_{name.lower()}", None) if name else None
        if handler is None:
            client.complete(-1, errno.ENOTTY)
            return True
        result, error = handler(client, arg)
        client.complete(result, error)
        return True

    def on_get_capabilities(self, _client, arg):
        pointee(arg, 4).update(0, struct.pack("<I", 0))
        return 0, 0

    def on_getdriver(self, _client, _arg):
        return -1, errno.ENODATA  # no kernel driver bound

    def on_ioctl(self, _client, _arg):
        return -1, errno.ENODATA  # USBDEVFS_CONNECT/DISCONNECT: no driver to reattach

    def on_connectinfo(self, _client, arg):
        pointee(arg, 8).update(0, struct.pack("<IB3x", self.device.devnum, 0))
        return 0, 0

    def claim(self, client, interface):
        with self.lock:
            owner = self.claimed_by.get(interface)
            if owner is not None and owner != client_key(client):
                return -1, errno.EBUSY
            self.claimed_by[interface] = client_key(client)
            return 0, 0

    def client_vanished(self, _base, client):
        """A client closed the device (or died): its claims go, as the kernel releases them."""
        with self.lock:
            for interface, owner in list(self.claimed_by.items()):
                if owner == client_key(client):
                    del self.claimed_by[interface]

    def on_claiminterface(self, client, arg):
        return self.claim(client, struct.unpack("<I", arg_bytes(pointee(arg, 4)))[0])

    def on_disconnect_claim(self, client, arg):
        return self.claim(client, struct.unpack("<I", arg_bytes(pointee(arg, 4)))[0])

    def on_releaseinterface(self, client, arg):
        interface = struct.unpack("<I", arg_bytes(pointee(arg, 4)))[0]
        with self.lock:
            if self.claimed_by.get(interface) == client_key(client):
                del self.claimed_by[interface]
        return 0, 0

    def on_setconfiguration(self, _client, _arg):
        return 0, 0

    def on_setinterface(self, _client, _arg):
        return 0, 0

    def on_reset(self, _client, _arg):
        return 0, 0

    def on_clear_halt(self, _client, _arg):
        return 0, 0

    def on_submiturb(self, _client, arg):
        urb_data = pointee(arg, URB_SIZE)
        urb = arg_bytes(urb_data)
        urb_type, endpoint = urb[0], urb[1]
        buffer_length = struct.unpack_from("<i", urb, 24)[0]
        if not self.device.alive:
            return -1, errno.ENODEV
        if urb_type != URB_TYPE_CONTROL or endpoint & 0x7F != 0 or buffer_length < 8:
            return -1, errno.EINVAL  # only control transfers: otpkit's tokens need nothing else here
        buffer = urb_data.resolve(16, buffer_length)
        payload = arg_bytes(buffer)[:buffer_length]
        status, data = self.device.control(payload[:8], payload[8:])
        if status == -errno.ENODEV:
            return -1, errno.ENODEV
        if data:
            buffer.update(8, data)
        actual = len(data) if payload[0] & 0x80 else (buffer_length - 8 if status == 0 else 0)
        urb_data.update(4, struct.pack("<i", status))
        urb_data.update(28, struct.pack("<i", actual))
        with self.lock:
            self.completed.append(urb_data)
        return 0, 0

    def on_reapurbndelay(self, _client, arg):
        with self.lock:
            if not self.completed:
                return -1, errno.EAGAIN if self.device.alive else errno.ENODEV
            urb = self.completed.pop(0)
        pointee(arg, 8).set_ptr(0, urb)
        return 0, 0

    on_reapurb = on_reapurbndelay

    def on_discardurb(self, _client, _arg):
        return -1, errno.EINVAL  # every URB completed at submit: nothing is in flight


def main():
    host, port, busid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    device = USBIPDevice(host, port, busid)
    descriptors = b""
    for value, length in ((0x0100, 18), (0x0200, 9)):
        status, data = device.control(struct.pack("<BBHHH", 0x80, 6, value, 0, length), b"")
        descriptors += data
    total = struct.unpack_from("<H", descriptors, 20)[0]
    _, configuration = device.control(struct.pack("<BBHHH", 0x80, 6, 0x0200, 0, total), b"")
    descriptors = descriptors[:18] + configuration
    vendor, product, release = struct.unpack_from("<HHH", descriptors, 8)

    def string(index):
        _, data = device.control(struct.pack("<BBHHH", 0x80, 6, 0x0300 | index, 0x0409, 255), b"")
        return data[2:].decode("utf-16-le") if data else ""

    bus, address = 1, 2
    testbed = UMockdev.Testbed.new()
    node = f"bus/usb/{bus:03d}/{address:03d}"
    # umockdev's record format: only an N: line makes the testbed create the /dev node libusb opens.
    record = "\n".join([
        f"P: /devices/otpkit-umockdev/usb{bus}/{bus}-1",
        f"N: {node}",
        "E: SUBSYSTEM=usb", f"E: DEVNAME=/dev/{node}", "E: DEVTYPE=usb_device", f"E: BUSNUM={bus:03d}",
        f"E: DEVNUM={address:03d}", f"E: PRODUCT={vendor:x}/{product:x}/{release:x}",
        f"A: busnum={bus}\\n", f"A: devnum={address}\\n", "A: speed=12\\n", "A: bConfigurationValue=1\\n",
        f"A: idVendor={vendor:04x}\\n", f"A: idProduct={product:04x}\\n", f"A: bcdDevice={release:04x}\\n",
        f"A: serial={string(descriptors[16])}\\n", f"A: manufacturer={string(descriptors[14])}\\n",
        f"A: product={string(descriptors[15])}\\n", "A: dev=189:1\\n",
        f"H: descriptors={descriptors.hex().upper()}",
    ]) + "\n"
    testbed.add_from_string(record)
    handler = UsbdevfsHandler(device)
    base = UMockdev.IoctlBase()
    base.connect("handle-ioctl", handler.handle)
    base.connect("client-vanished", handler.client_vanished)
    testbed.attach_ioctl(f"/dev/bus/usb/{bus:03d}/{address:03d}", base)
    print(f"UMOCKDEV_DIR={testbed.get_root_dir()}", flush=True)
    print(f"DEVICE=usb:{bus}:{address}", flush=True)
    sys.stdin.read()  # until the test closes our stdin


if __name__ == "__main__":
    main()
