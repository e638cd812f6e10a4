#include "common/auth/redaction.h"

#include <algorithm>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "atlas/type/v1/access_tier.pb.h"

namespace atlas::auth {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsMembersOnly(const FieldDescriptor* field) {
  return field->options().GetExtension(atlas::type::v1::access_tier) ==
         atlas::type::v1::MEMBER;
}

const FieldDescriptor* RedactedFieldsField(const Descriptor* d) {
  const FieldDescriptor* f = d->FindFieldByName("redacted_fields");
  if (f != nullptr && f->is_repeated() &&
      f->type() == FieldDescriptor::TYPE_STRING) {
    return f;
  }
  return nullptr;
}

// What to do with one message type, computed once per type.
struct Plan {
  // Set if this type is a record.
  const FieldDescriptor* redacted_fields = nullptr;
  // Members-only fields of this type: clear them.
  std::vector<const FieldDescriptor*> clear;
  // Their paths relative to this type ("linked_incidents").
  std::vector<std::string> clear_paths;
  // Message-typed fields (not cleared) whose types need a visit, because
  // they hold members-only fields or records somewhere below.
  std::vector<const FieldDescriptor*> descend;
  // Whether anything in this type or below needs redacting.
  bool relevant = false;
};

class PlanCache {
 public:
  const Plan& Get(const Descriptor* d) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = plans_.find(d);
      if (it != plans_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    return Build(d, 0);
  }

 private:
  const Plan& Build(const Descriptor* d, int depth)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = plans_.find(d);
    if (it != plans_.end()) return *it->second;
    auto plan = std::make_unique<Plan>();
    Plan& p = *plan;
    // Insert first so recursive types terminate (they count as not
    // relevant through the cycle, which is safe for our acyclic API).
    plans_[d] = std::move(plan);
    p.redacted_fields = RedactedFieldsField(d);
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (IsMembersOnly(f)) {
        p.clear.push_back(f);
        p.clear_paths.push_back(f->name());
        continue;
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth < 32) {
        const Plan& child = Build(f->message_type(), depth + 1);
        if (child.relevant) p.descend.push_back(f);
      }
    }
    p.relevant =
        p.redacted_fields != nullptr || !p.clear.empty() || !p.descend.empty();
    return p;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<Plan>> plans_
      ABSL_GUARDED_BY(mu_);
};

PlanCache& Cache() {
  static auto* cache = new PlanCache();
  return *cache;
}

void AddPath(Message* record, const FieldDescriptor* redacted_fields,
             const std::string& path) {
  const Reflection* r = record->GetReflection();
  int n = r->FieldSize(*record, redacted_fields);
  for (int i = 0; i < n; ++i) {
    if (r->GetRepeatedString(*record, redacted_fields, i) == path) return;
  }
  r->AddString(record, redacted_fields, path);
}

// `record` is the nearest enclosing record (may be null); `prefix` is the
// path of `m` relative to it ("" when `m` is the record).
void Visit(Message* m, Message* record, const FieldDescriptor* record_field,
           const std::string& prefix) {
  const Plan& plan = Cache().Get(m->GetDescriptor());
  if (!plan.relevant) return;
  const Reflection* r = m->GetReflection();
  std::string base = prefix;
  if (plan.redacted_fields != nullptr) {
    record = m;
    record_field = plan.redacted_fields;
    base.clear();
    r->ClearField(m, plan.redacted_fields);
  }
  for (size_t i = 0; i < plan.clear.size(); ++i) {
    r->ClearField(m, plan.clear[i]);
    if (record != nullptr) {
      AddPath(record, record_field,
              base.empty() ? plan.clear_paths[i]
                           : absl::StrCat(base, ".", plan.clear_paths[i]));
    }
  }
  for (const FieldDescriptor* f : plan.descend) {
    std::string child_prefix =
        base.empty() ? f->name() : absl::StrCat(base, ".", f->name());
    if (f->is_repeated()) {
      int n = r->FieldSize(*m, f);
      for (int i = 0; i < n; ++i) {
        Visit(r->MutableRepeatedMessage(m, f, i), record, record_field,
              child_prefix);
      }
    } else if (r->HasField(*m, f)) {
      Visit(r->MutableMessage(m, f), record, record_field, child_prefix);
    }
  }
}

void ClearRedactedFields(Message* m) {
  const Plan& plan = Cache().Get(m->GetDescriptor());
  if (!plan.relevant) return;
  const Reflection* r = m->GetReflection();
  if (plan.redacted_fields != nullptr) r->ClearField(m, plan.redacted_fields);
  for (const FieldDescriptor* f : plan.descend) {
    if (f->is_repeated()) {
      int n = r->FieldSize(*m, f);
      for (int i = 0; i < n; ++i) {
        ClearRedactedFields(r->MutableRepeatedMessage(m, f, i));
      }
    } else if (r->HasField(*m, f)) {
      ClearRedactedFields(r->MutableMessage(m, f));
    }
  }
}

}  // namespace

void RedactForPublic(Message* message) { Visit(message, nullptr, nullptr, ""); }

void Redact(const Caller& caller, Message* message) {
  if (caller.IsMember()) {
    ClearRedactedFields(message);
    return;
  }
  RedactForPublic(message);
}

std::vector<std::string> MembersOnlyPaths(const Descriptor* record) {
  std::vector<std::string> paths;
  for (int i = 0; i < record->field_count(); ++i) {
    const FieldDescriptor* f = record->field(i);
    if (IsMembersOnly(f)) paths.push_back(f->name());
  }
  return paths;
}

namespace {

void AddPolicyPaths(const Descriptor* d, const std::string& prefix, int depth,
                    std::vector<std::string>* paths) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string path =
        prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (IsMembersOnly(f)) {
      paths->push_back(std::move(path));
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth < 8) {
      AddPolicyPaths(f->message_type(), path, depth + 1, paths);
    }
  }
}

}  // namespace

std::string RedactionPolicy(const Descriptor* record) {
  std::vector<std::string> paths;
  AddPolicyPaths(record, "", 0, &paths);
  return absl::StrCat(record->full_name(), ":", absl::StrJoin(paths, ","));
}

}  // namespace atlas::auth
