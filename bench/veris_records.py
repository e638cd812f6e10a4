#!/usr/bin/env python3
"""VERIS records for the import benchmark (scripts/bench.sh).

Writes COUNT records to standard output as one JSON array, the form of
VCDB's joined file: the records of datasets/vcdb-sample taken in turn, each
copy with a fresh incident_id (a UUID made from its number, so runs are
repeatable) and fresh victim names (the sample's name and the copy's
number, primary and secondary victims alike). A victim the sample leaves
unknown stays unknown. Everything else is the sample record as it is, so
every copy is valid VERIS.

  bench/veris_records.py --sample datasets/vcdb-sample --count 100000 > r.json

--victims N draws the names from N per sample record instead (the same
organisation in many records), to tell the catalog's share of the time.
Standard library only.
"""

import argparse
import json
import os
import sys
import uuid

# High bits of the generated incident ids: recognisable, never a VCDB id.
ID_PREFIX = 0xBE7C_0000_0000_0000 << 64


def is_named(name):
    return isinstance(name, str) and name.strip() not in ("", "Unknown")


def copy_of(record, number, victim_number):
    out = dict(record)
    out["incident_id"] = str(uuid.UUID(int=ID_PREFIX | number)).upper()
    victim = record.get("victim")
    if isinstance(victim, dict):
        victim = dict(victim)
        if is_named(victim.get("victim_id")):
            victim["victim_id"] = "%s %07d" % (victim["victim_id"],
                                               victim_number)
        secondary = victim.get("secondary")
        if isinstance(secondary, dict) and isinstance(
                secondary.get("victim_id"), list):
            secondary = dict(secondary)
            secondary["victim_id"] = [
                "%s %07d" % (name, victim_number) if is_named(name) else name
                for name in secondary["victim_id"]
            ]
            victim["secondary"] = secondary
        out["victim"] = victim
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", required=True,
                        help="directory of VERIS records (*.json)")
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--victims", type=int, default=0,
                        help="distinct names per sample victim (0: one per "
                        "copy)")
    args = parser.parse_args()
    names = sorted(n for n in os.listdir(args.sample) if n.endswith(".json"))
    samples = []
    for name in names:
        with open(os.path.join(args.sample, name), encoding="utf-8") as f:
            samples.append(json.load(f))
    if not samples:
        sys.exit("no *.json records in %s" % args.sample)
    out = sys.stdout
    out.write("[")
    for number in range(args.count):
        copy = number // len(samples)
        victim_number = copy if args.victims <= 0 else copy % args.victims
        record = copy_of(samples[number % len(samples)], number, victim_number)
        if number:
            out.write(",\n")
        out.write(json.dumps(record, separators=(",", ":"),
                             ensure_ascii=False))
    out.write("]\n")


if __name__ == "__main__":
    main()
