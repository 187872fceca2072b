#!/usr/bin/env python3
"""Prints the table of FakeMX log event ids for docs/logging.md.

Reads the id registry (src/FakeMx/Hosting/LogEvents.cs) and every [LoggerMessage] attribute
under src/FakeMx, and writes one Markdown row per id: id, name, level, keyword, message.
A test checks that docs/logging.md lists every id; run this after adding one:

    python3 scripts/log-events.py > /tmp/rows.md   # then paste the rows into docs/logging.md
"""
import glob
import os
import re

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
registry = open(os.path.join(root, "src/FakeMx/Hosting/LogEvents.cs"), encoding="utf-8").read()
ids = re.findall(r"public const int (\w+) = (\d+);", registry)

messages = {}
attribute = re.compile(
    r'\[LoggerMessage\(\s*LogEvents\.(\w+),\s*LogLevel\.(\w+),\s*((?:"(?:[^"\\]|\\.)*"\s*\+?\s*)+)\)\]')
for path in glob.glob(os.path.join(root, "src/FakeMx/**/*.cs"), recursive=True):
    text = open(path, encoding="utf-8").read()
    for match in attribute.finditer(text):
        template = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(3)))
        messages[match.group(1)] = (match.group(2), template)

print("| Id | Name | Level | Keyword | Message |")
print("| --- | --- | --- | --- | --- |")
for name, number in ids:
    level, template = messages.get(name, ("", ""))
    keyword = re.match(r"([A-Z][A-Z ]*[A-Z])\b", template)
    if template:
        print(f"| {number} | `{name}` | {level} | {keyword.group(1) if keyword else ''} | `{template}` |")
    else:
        print(f"| {number} | `{name}` | | | reserved: no log line uses it yet |")
