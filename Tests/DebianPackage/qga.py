#!/usr/bin/python3
"""Runs commands inside the package test's guest through the QEMU guest agent (its virtio-serial socket).

  qga.py SOCKET ping [SECONDS]        wait until the agent answers (exit 0) or SECONDS pass (exit 1)
  qga.py SOCKET exec [--timeout S] -- COMMAND...
                                      run COMMAND in the guest; its stdout and stderr are passed on, its status is
                                      the exit status (124 when it outlives S seconds, 125 when the agent fails)
  qga.py SOCKET write PATH            copy standard input into PATH in the guest (mode as the agent creates it)
"""
import base64
import json
import socket
import sys
import time


class Agent:
    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""

    def call(self, command, **arguments):
        request = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            while b"\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("the guest agent closed the connection")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            line = line.strip().lstrip(b"\xff")
            if not line:
                continue
            answer = json.loads(line)
            if "error" in answer:
                raise RuntimeError(answer["error"].get("desc", str(answer["error"])))
            if "return" in answer:
                return answer["return"]

    def sync(self):
        """Drops what an earlier, interrupted client left unread (guest-sync-delimited's 0xff marks the start)."""
        token = int(time.time() * 1000) % 2**31
        self.sock.sendall(b"\xff")
        self.sock.sendall(json.dumps({"execute": "guest-sync-delimited", "arguments": {"id": token}}).encode() + b"\n")
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the guest agent closed the connection")
            self.buffer += chunk
            if b"\xff" in self.buffer:
                self.buffer = self.buffer[self.buffer.rindex(b"\xff") + 1:]
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                line = line.strip()
                if line and json.loads(line).get("return") == token:
                    return


def ping(path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            agent = Agent(path, timeout=5)
            agent.sync()
            agent.call("guest-ping")
            return 0
        except (OSError, ConnectionError, RuntimeError, ValueError):
            time.sleep(1)
    return 1


def run(path, command, timeout):
    agent = Agent(path, timeout=30)
    agent.sync()
    started = agent.call("guest-exec", path=command[0], arg=command[1:], **{"capture-output": True})
    deadline = time.monotonic() + timeout
    while True:
        status = agent.call("guest-exec-status", pid=started["pid"])
        if status.get("exited"):
            break
        if time.monotonic() > deadline:
            return 124
        time.sleep(0.2)
    sys.stdout.buffer.write(base64.b64decode(status.get("out-data", "")))
    sys.stderr.buffer.write(base64.b64decode(status.get("err-data", "")))
    if "signal" in status:
        return 128 + status["signal"]
    return status.get("exitcode", 125)


def write(path, target):
    agent = Agent(path, timeout=30)
    agent.sync()
    handle = agent.call("guest-file-open", path=target, mode="w")
    data = sys.stdin.buffer.read()
    agent.call("guest-file-write", handle=handle, **{"buf-b64": base64.b64encode(data).decode()})
    agent.call("guest-file-close", handle=handle)
    return 0


def main(arguments):
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, verb = arguments[0], arguments[1]
    try:
        if verb == "ping":
            return ping(path, float(arguments[2]) if len(arguments) > 2 else 300)
        if verb == "exec":
            rest = arguments[2:]
            timeout = 300.0
            if rest[:1] == ["--timeout"]:
                timeout, rest = float(rest[1]), rest[2:]
            if rest[:1] == ["--"]:
                rest = rest[1:]
            return run(path, rest, timeout)
        if verb == "write":
            return write(path, arguments[2])
    except (OSError, ConnectionError, RuntimeError, ValueError) as error:
        print(f"qga: {error}", file=sys.stderr)
        return 125
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
