// atlasctl import FILE|-: bulk creation from a JSON-lines file (the
// default, described here), or with --format=veris from VERIS records
// (`atlasctl import --format=veris [--update] [--veris_dir=DIR] PATH...`:
// tools/atlasctl/veris/veris_import_command.h, docs/interop.md).
//
// Format: one JSON object per line; blank lines and lines starting with '#'
// are skipped. Each object is an envelope:
//
//   {"kind": "organization", "id": "vooruit", "request_id": "seed-vooruit",
//    "record": {"displayName": "Vooruit", "country": "BE",
//               "domains": ["vooruit.be", "vooruit.brussels"]}}
//   {"kind": "incident", "id": "vooruit-2024", "request_id": "seed-inc-1",
//    "record": {"title": "Ransomware at Vooruit",
//               "victims": [{"organization": "organizations/vooruit"}]}}
//   {"kind": "event", "parent": "incidents/vooruit-2024", "id": "detected",
//    "record": {"type": "DETECTION", "date": {"year": 2024, "month": 3,
//               "day": 28}, "description": "Ransom note found"}}
//   {"kind": "source", "parent": "incidents/vooruit-2024", "id": "bt",
//    "record": {"url": "https://www.brusselstimes.com/...", "kind": "NEWS"}}
//
//   kind        required: organization | incident | event | source.
//   parent      events and sources only: `incidents/{incident}`.
//   id          optional: the resource id (organization_id, incident_id,
//               event_id, source_id); the server picks one when absent.
//   request_id  optional: the AIP-155 idempotency key of the Create call.
//   record      required: the resource in the protobuf JSON mapping
//               (Organization, Incident, TimelineEvent, Source); output-only
//               fields are ignored by the server.
// Unknown keys are errors (they are usually typos).
//
// A bare resource, as printed by `--output json` (`orgs list -o json`,
// `incidents list -o json`, `incidents timeline -o json`), is accepted too:
// a line without "kind" whose "name" is `organizations/x`,
// `incidents/x`, `incidents/x/events/y` or `incidents/x/sources/y` is read as
// that kind, with id (and parent) taken from the name. So an export can be
// piped back: `atlasctl orgs list -o json | atlasctl import -`.
//
// Lines are sent in file order, one Create call each (put organisations
// before the incidents that name them, and incidents before their events and
// sources). Re-running an import creates nothing new: a line with a
// request_id replays the first result, and a line with an id whose Create
// answers ALREADY_EXISTS counts as "already present" once a Get confirms the
// id exists (otherwise, e.g. for a domain owned by another organisation, it
// is a failure).
//
// Output: nothing on stdout. On stderr, `imported N/TOTAL` every 100 lines
// for files of more than 100 lines, `error: line N: CODE: message` for each
// failed line, and a summary. Exit 1 if any line failed (the others are
// still imported), 0 otherwise.
#ifndef ATLAS_TOOLS_ATLASCTL_IMPORT_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_IMPORT_COMMAND_H_

#include <vector>

#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl {

std::vector<Command> ImportCommands();

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_IMPORT_COMMAND_H_
