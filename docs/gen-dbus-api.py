#!/usr/bin/env python3
"""Writes docs/dbus-api.md from data/org.massaged.xml, the API's single source.

Usage: docs/gen-dbus-api.py > docs/dbus-api.md
Every method, property and signal is documented by the XML comment in front of it.
"""
import os
import sys
import textwrap
import xml.etree.ElementTree as ET

here = os.path.dirname(os.path.abspath(__file__))
xml_path = os.path.join(here, "..", "data", "org.massaged.xml")
parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
root = ET.parse(xml_path, parser).getroot()


def clean(comment, name=None):
    text = textwrap.dedent(comment.text or "").strip("\n")
    lines = text.splitlines()
    # gtk-doc style "Name:" or "org.massaged.X:" first line: drop the label.
    if lines and name and lines[0].strip().startswith(name + ":"):
        first = lines[0].strip()[len(name) + 1:].strip()
        lines = ([first] if first else []) + lines[1:]
    return textwrap.dedent("\n".join(lines)).strip()


def args(el, direction=None):
    out = []
    for a in el.findall("arg"):
        d = a.get("direction", "out" if el.tag == "signal" else "in")
        if direction and d != direction:
            continue
        out.append(f"{a.get('type')} {a.get('name')}")
    return ", ".join(out)


out = ["# org.massaged D-Bus API", "",
       "Generated from `data/org.massaged.xml` by `docs/gen-dbus-api.py`; edit the XML, "
       "not this file.", ""]
children = list(root)
# The file's header comment (before <node>) holds the conventions.
with open(xml_path, encoding="utf-8") as f:
    head = f.read().split("<node>", 1)[0]
if "<!--" in head:
    header = head.split("<!--", 1)[1].split("-->", 1)[0]
    out += [textwrap.dedent(header).strip(), ""]
pending = None
for child in children:
    if child.tag is ET.Comment:
        pending = child
        continue
    if child.tag != "interface":
        continue
    iname = child.get("name")
    out += [f"## {iname}", ""]
    if pending is not None:
        body = clean(pending, iname).replace("@short_description: ", "")
        out += [body, ""]
    pending = None
    sections = {"method": [], "property": [], "signal": []}
    doc = None
    for el in child:
        if el.tag is ET.Comment:
            doc = el
            continue
        name = el.get("name")
        text = clean(doc, name) if doc is not None else "(undocumented)"
        doc = None
        if el.tag == "method":
            ins, outs = args(el, "in"), args(el, "out")
            sig = f"{name}({ins})" + (f" → ({outs})" if outs else "")
        elif el.tag == "property":
            sig = f"{name}: {el.get('type')} ({el.get('access')})"
        else:
            sig = f"{name}({args(el)})"
        sections[el.tag].append((sig, text))
    for kind, title in (("method", "Methods"), ("property", "Properties"), ("signal", "Signals")):
        if not sections[kind]:
            continue
        out += [f"### {title}", ""]
        for sig, text in sections[kind]:
            out += [f"#### `{sig}`", "", text, ""]
sys.stdout.write("\n".join(out).rstrip() + "\n")
