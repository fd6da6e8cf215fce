"""The numbered data channel messages of Sluice's interop tests, shared by the Python peers (aiortc, GStreamer).

Message `seq` of a burst has the size sizes[seq % len(sizes)] in bytes and is text when seq is even, binary when
odd. Its bytes are deterministic, so a receiver's digest proves the content arrived whole:
- text: "SSSSS|" (seq, 5 digits), then "✓" (3 bytes of UTF-8, so text is not just ASCII), then ASCII letters
  and digits; a message shorter than 9 bytes is just ASCII;
- binary: the same "SSSSS|" header, then bytes (seq*31 + k*7) & 0xFF, which include 0x00 and bytes that are not
  UTF-8 (a binary message turned into text would not survive).
Peers/firefox/page.html makes the same messages in JavaScript.

Both sides print one line per message, which the tests compare:
  sent label=L seq=N type=text|binary len=BYTES digest=D
  message label=L type=text|binary len=BYTES digest=D [text=T]
where D is the first 16 hex digits of the SHA-256 of the message's bytes (text as UTF-8) and text= shows a short
text message (a reply), with spaces as '_'.
"""

import hashlib

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
CHECK = "\u2713"


def make(seq, size):
    """Message seq of a burst: (is_binary, payload) with payload a str (text) or bytes (binary) of `size` bytes."""
    head = f"{seq:05d}|"
    if seq % 2 == 0:
        if size < len(head) + 3:
            return False, "".join(ALPHABET[(seq + k) % len(ALPHABET)] for k in range(size))
        filler = "".join(ALPHABET[(seq + k) % len(ALPHABET)] for k in range(size - len(head) - 3))
        return False, head + CHECK + filler
    data = bytearray(((seq * 31 + k * 7) & 0xFF) for k in range(size))
    if size >= len(head):
        data[: len(head)] = head.encode()
    return True, bytes(data)


def raw(payload):
    return payload.encode("utf-8") if isinstance(payload, str) else payload


def digest(payload):
    return hashlib.sha256(raw(payload)).hexdigest()[:16]


def describe(label, payload):
    """The fields of a sent or received line: label, type, len, digest (and text= for a short text message)."""
    kind = "text" if isinstance(payload, str) else "binary"
    line = f"label={label} type={kind} len={len(raw(payload))} digest={digest(payload)}"
    if isinstance(payload, str) and len(payload) <= 64:
        line += " text=" + (payload.replace(" ", "_") or "(empty)")
    return line


def sizes(text):
    return [int(s) for s in text.split(",") if s]
