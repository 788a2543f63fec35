#!/usr/bin/env python3
"""Builds vectors.json for the OpenHOTP protocol (README.md).

A third reading of the spec, independent of the emulator and of the host driver: frames are assembled here field by
field, codes come from Python's hmac module, and each expected state is written out by hand.
Run: python3 Firmware-spec/OpenHOTP/make_vectors.py > Firmware-spec/OpenHOTP/vectors.json
"""
import copy
import hashlib
import hmac
import json
import struct
import zlib

CMD = dict(GET_INFO=1, READ_SLOT=2, STAGE_SECRET=3, WRITE_SLOT=4, READ_COUNTER=5, GENERATE=6,
           ERASE_SLOT=7, SET_PIN=8, VERIFY_PIN=9, FACTORY_RESET=10)
STATUS = dict(OK=0, UNKNOWN_COMMAND=1, BAD_CRC=2, MALFORMED_FRAME=3, INVALID_SLOT=4, SLOT_EMPTY=5,
              INVALID_PARAMETER=6, AUTH_REQUIRED=7, WRONG_PIN=8, PIN_LOCKED=9, BAD_SEQUENCE=10, PENDING=11,
              TOUCH_TIMEOUT=12, NO_REPLY=13, COUNTER_EXHAUSTED=14, STORAGE_ERROR=15)
ALG = dict(SHA1=1, SHA256=2, SHA512=3)
HASH = dict(SHA1=hashlib.sha1, SHA256=hashlib.sha256, SHA512=hashlib.sha512)
SERIAL = 12345678
RFC4226_KEY = b"12345678901234567890"
RFC6238_SHA256_KEY = b"12345678901234567890123456789012"
RFC6238_SHA512_KEY = b"1234567890123456789012345678901234567890123456789012345678901234"


def frame(command, seq, third, payload=b"", corrupt_crc=False):
    assert len(payload) <= 56
    body = bytes([command, seq, third, len(payload)]) + payload
    body += bytes(60 - len(body))
    crc = zlib.crc32(body) & 0xFFFFFFFF
    if corrupt_crc:
        crc ^= 0x00000001
    return (body + struct.pack("<I", crc)).hex()


def request(command, seq, payload=b""):
    return frame(CMD[command], seq, 0, payload)


def reply(command, seq, status, payload=b""):
    return frame(CMD.get(command, command) if isinstance(command, str) else command, seq, STATUS[status], payload)


def hotp(key, counter, digits=6, algorithm="SHA1"):
    mac = hmac.new(key, struct.pack(">Q", counter), HASH[algorithm]).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10 ** digits).zfill(digits)


def slot(secret, counter=0, algorithm="SHA1", digits=6, name="", touch=False):
    return dict(algorithm=algorithm, digits=digits, counter=counter, name=name, touch=touch, secret=secret.hex())


def state(slots=None, pin=None, retries=3, admin=False):
    s = [None, None, None, None]
    for index, value in (slots or {}).items():
        s[index] = value
    return dict(serial=SERIAL, pin=pin, pinRetries=retries, adminSession=admin, slots=s)


def write_payload(index, algorithm, digits, flags, counter, secret_len, name):
    name = name.encode()
    return bytes([index, ALG.get(algorithm, algorithm) if isinstance(algorithm, str) else algorithm, digits, flags]) + \
        struct.pack(">Q", counter) + bytes([secret_len, len(name)]) + name


def stage_steps(secret, first_seq):
    steps, seq, offset = [], first_seq, 0
    while offset < len(secret):
        chunk = secret[offset:offset + 55]
        steps.append(dict(request=request("STAGE_SECRET", seq, bytes([offset]) + chunk),
                          reply=reply("STAGE_SECRET", seq, "OK", bytes([offset + len(chunk)]))))
        offset += len(chunk)
        seq += 1
    return steps, seq


def slot_reply_payload(index, s):
    if s is None:
        return bytes([index, 0, 0, 0, 0]) + bytes(8) + b"\x00"
    name = s["name"].encode()
    return bytes([index, 1, ALG[s["algorithm"]], s["digits"], 1 if s["touch"] else 0]) + \
        struct.pack(">Q", s["counter"]) + bytes([len(name)]) + name


def generate_payload(index, counter, digits, code):
    return bytes([index]) + struct.pack(">Q", counter) + bytes([digits]) + code.encode()


vectors = []


def case(name, description, initial, steps, final, host=None):
    entry = dict(name=name, description=description, state=initial, steps=steps, finalState=final)
    if host:
        entry["host"] = host
    vectors.append(entry)


# --- device info -------------------------------------------------------------------------------------------------
info_payload = struct.pack(">IBBBBBHBBBB", SERIAL, 1, 0, 0, 1, 4, 0x1F, 0, 3, 64, 32)
case("get-info", "GET_INFO on a new token", state(),
     [dict(request=request("GET_INFO", 1), reply=reply("GET_INFO", 1, "OK", info_payload))], state(),
     dict(operation="info", result=dict(serial=SERIAL, firmware="1.0.0", protocolVersion=1, slotCount=4,
                                         capabilities=0x1F, pinSet=False, adminSession=False, pinLocked=False,
                                         pinRetries=3, maxSecretLength=64, maxNameLength=32)))

locked_info = struct.pack(">IBBBBBHBBBB", SERIAL, 1, 0, 0, 1, 4, 0x1F, 0b101, 0, 64, 32)
case("get-info-locked", "GET_INFO reports a set, locked PIN", state(pin="123456", retries=0),
     [dict(request=request("GET_INFO", 1), reply=reply("GET_INFO", 1, "OK", locked_info))],
     state(pin="123456", retries=0),
     dict(operation="info", result=dict(serial=SERIAL, firmware="1.0.0", protocolVersion=1, slotCount=4,
                                         capabilities=0x1F, pinSet=True, adminSession=False, pinLocked=True,
                                         pinRetries=0, maxSecretLength=64, maxNameLength=32)))

# --- slots --------------------------------------------------------------------------------------------------------
case("read-empty-slot", "READ_SLOT of an empty slot answers programmed 0", state(),
     [dict(request=request("READ_SLOT", 1, b"\x02"), reply=reply("READ_SLOT", 1, "OK", slot_reply_payload(2, None)))],
     state(), dict(operation="readSlot", slot=2, result=dict(slot=2, programmed=False)))

rfc_slot = slot(RFC4226_KEY, name="rfc4226")
steps, seq = stage_steps(RFC4226_KEY, 1)
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(0, "SHA1", 6, 0, 0, 20, "rfc4226")),
                  reply=reply("WRITE_SLOT", seq, "OK", b"\x00")))
case("write-slot-sha1", "Stage the RFC 4226 key and write it to slot 0", state(), steps, state({0: rfc_slot}),
     dict(operation="writeSlot", slot=0, secret=RFC4226_KEY.hex(), algorithm="SHA1", digits=6, counter=0,
          name="rfc4226", touch=False, result={}))

sha512_slot = slot(RFC6238_SHA512_KEY, counter=1, algorithm="SHA512", digits=8, name="sha512 8 digits")
steps, seq = stage_steps(RFC6238_SHA512_KEY, 1)
assert len(steps) == 2
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(3, "SHA512", 8, 0, 1, 64, "sha512 8 digits")),
                  reply=reply("WRITE_SLOT", seq, "OK", b"\x03")))
case("write-slot-sha512-two-stages", "A 64-byte secret takes two STAGE_SECRET frames", state(), steps,
     state({3: sha512_slot}),
     dict(operation="writeSlot", slot=3, secret=RFC6238_SHA512_KEY.hex(), algorithm="SHA512", digits=8, counter=1,
          name="sha512 8 digits", touch=False, result={}))

case("read-programmed-slot", "READ_SLOT shows parameters and counter, never the secret",
     state({0: slot(RFC4226_KEY, counter=7, name="rfc4226")}),
     [dict(request=request("READ_SLOT", 1, b"\x00"),
           reply=reply("READ_SLOT", 1, "OK", slot_reply_payload(0, slot(RFC4226_KEY, counter=7, name="rfc4226"))))],
     state({0: slot(RFC4226_KEY, counter=7, name="rfc4226")}),
     dict(operation="readSlot", slot=0, result=dict(slot=0, programmed=True, algorithm="SHA1", digits=6, touch=False,
                                                     counter=7, name="rfc4226")))

# --- generate (RFC 4226 Appendix D and RFC 6238 Appendix B values) -------------------------------------------------
steps = []
for seq, counter in enumerate(range(0, 3), start=1):
    code = hotp(RFC4226_KEY, counter)
    steps.append(dict(request=request("GENERATE", seq, b"\x00"),
                      reply=reply("GENERATE", seq, "OK", generate_payload(0, counter, 6, code))))
assert [hotp(RFC4226_KEY, c) for c in range(3)] == ["755224", "287082", "359152"]
case("generate-advances-counter", "Three presses give RFC 4226 codes 0-2 and leave the counter at 3",
     state({0: rfc_slot}), steps, state({0: slot(RFC4226_KEY, counter=3, name="rfc4226")}))
case("generate-one", "GENERATE through the host driver", state({0: rfc_slot}), steps[:1],
     state({0: slot(RFC4226_KEY, counter=1, name="rfc4226")}),
     dict(operation="generate", slot=0, result=dict(counter=0, code="755224")))

sha256_slot = slot(RFC6238_SHA256_KEY, counter=1, algorithm="SHA256", digits=8)
assert hotp(RFC6238_SHA256_KEY, 1, 8, "SHA256") == "46119246"
case("generate-sha256-8-digits", "RFC 6238 SHA-256 at T=59 (step 1) gives 46119246", state({1: sha256_slot}),
     [dict(request=request("GENERATE", 1, b"\x01"), reply=reply("GENERATE", 1, "OK", generate_payload(1, 1, 8, "46119246")))],
     state({1: slot(RFC6238_SHA256_KEY, counter=2, algorithm="SHA256", digits=8)}),
     dict(operation="generate", slot=1, result=dict(counter=1, code="46119246")))

assert hotp(RFC6238_SHA512_KEY, 1, 8, "SHA512") == "90693936"
case("generate-sha512-8-digits", "RFC 6238 SHA-512 at T=59 (step 1) gives 90693936", state({3: sha512_slot}),
     [dict(request=request("GENERATE", 1, b"\x03"), reply=reply("GENERATE", 1, "OK", generate_payload(3, 1, 8, "90693936")))],
     state({3: slot(RFC6238_SHA512_KEY, counter=2, algorithm="SHA512", digits=8, name="sha512 8 digits")}),
     dict(operation="generate", slot=3, result=dict(counter=1, code="90693936")))

ten = hotp(RFC4226_KEY, 5, 10)
case("generate-10-digits", "Ten digits: the 31-bit value zero padded", state({2: slot(RFC4226_KEY, counter=5, digits=10)}),
     [dict(request=request("GENERATE", 1, b"\x02"), reply=reply("GENERATE", 1, "OK", generate_payload(2, 5, 10, ten)))],
     state({2: slot(RFC4226_KEY, counter=6, digits=10)}),
     dict(operation="generate", slot=2, result=dict(counter=5, code=ten)))

touch_slot = slot(RFC4226_KEY, counter=4, touch=True)
case("generate-touch", "A touch slot answers PENDING until the button is pressed", state({0: touch_slot}),
     [dict(request=request("GENERATE", 1, b"\x00"), reply=reply("GENERATE", 1, "PENDING")),
      dict(press=True, reply=reply("GENERATE", 1, "OK", generate_payload(0, 4, 6, hotp(RFC4226_KEY, 4))))],
     state({0: slot(RFC4226_KEY, counter=5, touch=True)}),
     dict(operation="generate", slot=0, result=dict(counter=4, code=hotp(RFC4226_KEY, 4))))

case("read-counter", "READ_COUNTER gives the counter of the next code",
     state({0: slot(RFC4226_KEY, counter=42)}),
     [dict(request=request("READ_COUNTER", 1, b"\x00"), reply=reply("READ_COUNTER", 1, "OK", b"\x00" + struct.pack(">Q", 42)))],
     state({0: slot(RFC4226_KEY, counter=42)}), dict(operation="readCounter", slot=0, result=dict(counter=42)))

case("erase-slot", "ERASE_SLOT empties the slot", state({0: rfc_slot, 1: sha256_slot}),
     [dict(request=request("ERASE_SLOT", 1, b"\x00"), reply=reply("ERASE_SLOT", 1, "OK", b"\x00"))],
     state({1: sha256_slot}), dict(operation="eraseSlot", slot=0, result={}))

# --- errors --------------------------------------------------------------------------------------------------------
case("bad-crc", "A request with a wrong CRC is refused and changes nothing", state({0: rfc_slot}),
     [dict(request=frame(CMD["ERASE_SLOT"], 1, 0, b"\x00", corrupt_crc=True), reply=reply("ERASE_SLOT", 1, "BAD_CRC"))],
     state({0: rfc_slot}))
case("unknown-command", "Command 0x7F does not exist", state(),
     [dict(request=frame(0x7F, 9, 0), reply=reply(0x7F, 9, "UNKNOWN_COMMAND"))], state())
case("malformed-reserved-byte", "A non-zero reserved byte", state(),
     [dict(request=frame(CMD["GET_INFO"], 1, 0x55), reply=reply("GET_INFO", 1, "MALFORMED_FRAME"))], state())
case("malformed-payload-size", "READ_SLOT with two payload bytes", state(),
     [dict(request=request("READ_SLOT", 1, b"\x00\x00"), reply=reply("READ_SLOT", 1, "MALFORMED_FRAME"))], state())
overlong = bytearray(bytes.fromhex(request("GET_INFO", 1)))
overlong[3] = 57
overlong[60:64] = struct.pack("<I", zlib.crc32(bytes(overlong[:60])) & 0xFFFFFFFF)
case("malformed-length", "A payload length of 57", state(),
     [dict(request=overlong.hex(), reply=reply("GET_INFO", 1, "MALFORMED_FRAME"))], state())
case("invalid-slot", "Slot 4 does not exist on a 4-slot token", state(),
     [dict(request=request("READ_COUNTER", 1, b"\x04"), reply=reply("READ_COUNTER", 1, "INVALID_SLOT"))], state(),
     dict(operation="readCounter", slot=4, error=dict(status="INVALID_SLOT")))
case("generate-empty-slot", "GENERATE on an empty slot", state(),
     [dict(request=request("GENERATE", 1, b"\x01"), reply=reply("GENERATE", 1, "SLOT_EMPTY"))], state(),
     dict(operation="generate", slot=1, error=dict(status="SLOT_EMPTY")))
case("counter-exhausted", "A counter at 2^64-1 cannot advance", state({0: slot(RFC4226_KEY, counter=2**64 - 1)}),
     [dict(request=request("GENERATE", 1, b"\x00"), reply=reply("GENERATE", 1, "COUNTER_EXHAUSTED"))],
     state({0: slot(RFC4226_KEY, counter=2**64 - 1)}),
     dict(operation="generate", slot=0, error=dict(status="COUNTER_EXHAUSTED")))

steps, seq = stage_steps(RFC4226_KEY, 1)
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(0, "SHA1", 5, 0, 0, 20, "")),
                  reply=reply("WRITE_SLOT", seq, "INVALID_PARAMETER")))
case("write-invalid-digits", "Five digits are refused; the old slot stays", state({0: sha256_slot}), steps,
     state({0: sha256_slot}))
steps, seq = stage_steps(RFC4226_KEY, 1)
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(0, 9, 6, 0, 0, 20, "")),
                  reply=reply("WRITE_SLOT", seq, "INVALID_PARAMETER")))
case("write-invalid-algorithm", "Algorithm 9 is refused", state(), steps, state())
steps, seq = stage_steps(RFC4226_KEY, 1)
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(0, "SHA1", 6, 0, 0, 32, "")),
                  reply=reply("WRITE_SLOT", seq, "INVALID_PARAMETER")))
steps.append(dict(request=request("WRITE_SLOT", seq + 1, write_payload(0, "SHA1", 6, 0, 0, 20, "")),
                  reply=reply("WRITE_SLOT", seq + 1, "INVALID_PARAMETER")))
case("write-length-mismatch-clears-staging", "A secret length other than the staged one is refused, and the staging is gone",
     state(), steps, state())
short = b"0123456789abcde"
steps, seq = stage_steps(short, 1)
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(0, "SHA1", 6, 0, 0, 15, "")),
                  reply=reply("WRITE_SLOT", seq, "INVALID_PARAMETER")))
case("write-short-secret", "A 15-byte secret is below the 16-byte minimum", state(), steps, state())
case("stage-out-of-order", "STAGE_SECRET at offset 5 with nothing staged", state(),
     [dict(request=request("STAGE_SECRET", 1, b"\x05" + b"abc"), reply=reply("STAGE_SECRET", 1, "BAD_SEQUENCE"))], state())
case("factory-reset-needs-confirmation", "FACTORY_RESET without the RSET bytes", state({0: rfc_slot}),
     [dict(request=request("FACTORY_RESET", 1, b"RSEX"), reply=reply("FACTORY_RESET", 1, "INVALID_PARAMETER"))],
     state({0: rfc_slot}))

# --- PIN -------------------------------------------------------------------------------------------------------------
case("set-pin", "Setting the first PIN opens no session", state(),
     [dict(request=request("SET_PIN", 1, b"\x00\x06123456"), reply=reply("SET_PIN", 1, "OK", b"\x03"))],
     state(pin="123456"), dict(operation="setPIN", current=None, new="123456", result=dict(retries=3)))
case("change-pin-wrong-current", "SET_PIN with a wrong current PIN counts as a failure", state(pin="123456"),
     [dict(request=request("SET_PIN", 1, b"\x06000000\x06654321"), reply=reply("SET_PIN", 1, "WRONG_PIN", b"\x02"))],
     state(pin="123456", retries=2),
     dict(operation="setPIN", current="000000", new="654321", error=dict(status="WRONG_PIN", retries=2)))
case("write-needs-auth", "With a PIN set, WRITE_SLOT needs an admin session", state(pin="123456"),
     stage_steps(RFC4226_KEY, 1)[0] + [dict(request=request("WRITE_SLOT", 2, write_payload(0, "SHA1", 6, 0, 0, 20, "")),
                                               reply=reply("WRITE_SLOT", 2, "AUTH_REQUIRED"))],
     state(pin="123456"),
     dict(operation="writeSlot", slot=0, secret=RFC4226_KEY.hex(), algorithm="SHA1", digits=6, counter=0, name="",
          touch=False, error=dict(status="AUTH_REQUIRED")))
case("erase-needs-auth", "With a PIN set, ERASE_SLOT needs an admin session", state({0: rfc_slot}, pin="123456"),
     [dict(request=request("ERASE_SLOT", 1, b"\x00"), reply=reply("ERASE_SLOT", 1, "AUTH_REQUIRED"))],
     state({0: rfc_slot}, pin="123456"))
case("verify-pin-wrong", "A wrong PIN costs a retry", state(pin="123456"),
     [dict(request=request("VERIFY_PIN", 1, b"\x06999999"), reply=reply("VERIFY_PIN", 1, "WRONG_PIN", b"\x02"))],
     state(pin="123456", retries=2),
     dict(operation="verifyPIN", pin="999999", error=dict(status="WRONG_PIN", retries=2)))
case("verify-pin-right", "The right PIN opens the session and restores the retries", state(pin="123456", retries=1),
     [dict(request=request("VERIFY_PIN", 1, b"\x06123456"), reply=reply("VERIFY_PIN", 1, "OK", b"\x03"))],
     state(pin="123456", admin=True), dict(operation="verifyPIN", pin="123456", result=dict(retries=3)))
steps, seq = stage_steps(RFC4226_KEY, 1)
steps.append(dict(request=request("WRITE_SLOT", seq, write_payload(1, "SHA1", 6, 0, 0, 20, "")),
                  reply=reply("WRITE_SLOT", seq, "OK", b"\x01")))
case("write-with-session", "An open admin session allows WRITE_SLOT", state(pin="123456", admin=True), steps,
     state({1: slot(RFC4226_KEY)}, pin="123456", admin=True))
case("pin-lockout", "The third wrong PIN locks; then even the right PIN is refused", state(pin="123456"),
     [dict(request=request("VERIFY_PIN", 1, b"\x041111"), reply=reply("VERIFY_PIN", 1, "WRONG_PIN", b"\x02")),
      dict(request=request("VERIFY_PIN", 2, b"\x041111"), reply=reply("VERIFY_PIN", 2, "WRONG_PIN", b"\x01")),
      dict(request=request("VERIFY_PIN", 3, b"\x041111"), reply=reply("VERIFY_PIN", 3, "PIN_LOCKED", b"\x00")),
      dict(request=request("VERIFY_PIN", 4, b"\x06123456"), reply=reply("VERIFY_PIN", 4, "PIN_LOCKED", b"\x00"))],
     state(pin="123456", retries=0))
case("factory-reset", "FACTORY_RESET clears slots, PIN and lock; the serial stays",
     state({0: rfc_slot, 3: sha512_slot}, pin="123456", retries=0),
     [dict(request=request("FACTORY_RESET", 1, b"RSET"), reply=reply("FACTORY_RESET", 1, "OK"))], state(),
     dict(operation="factoryReset", result={}))

print(json.dumps(dict(protocol="OpenHOTP", version=1, vectors=vectors), indent=1))
