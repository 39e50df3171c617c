#!/usr/bin/env python3
"""Writes the seed corpora from PROTOCOL.md's examples.

Every client line (`C: {...}`) of PROTOCOL.md becomes a decode_frame seed
in both encodings (first byte 0: MessagePack, 1: JSON), and every `^command`
quoted in it a parse_command seed. The session target gets the client lines
after the hello, in both encodings, joined by its separator, whole and in
small groups. Run from the repository root:
`python3 fuzz/make_seeds.py` (needs the `msgpack` package).
"""
import hashlib
import json
import os
import re

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write(target, data):
    folder = os.path.join(HERE, "seeds", target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    text = open(os.path.join(ROOT, "PROTOCOL.md"), encoding="utf-8").read()
    frames = 0
    session = []
    for line in text.splitlines():
        if not line.startswith("C: {"):
            continue
        raw = line[3:].strip()
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        write("decode_frame", b"\x01" + raw.encode())
        write("decode_frame", b"\x00" + msgpack.packb(value, use_bin_type=True))
        frames += 1
        if value.get("type") != "hello":
            session.append((raw.encode(), msgpack.packb(value, use_bin_type=True)))
    separator = b"\n\x00\n"
    groups = [session] + [session[i:i + 4] for i in range(0, len(session), 4)]
    for group in groups:
        write("session", b"\x01" + separator.join(j for j, _ in group))
        write("session", b"\x00" + separator.join(m for _, m in group))
    commands = set(re.findall(r"`(\^[a-z]+[^`]*)`", text))
    for command in sorted(commands):
        write("parse_command", command.encode())
    print(f"{frames} frames, {len(commands)} commands")


if __name__ == "__main__":
    main()
