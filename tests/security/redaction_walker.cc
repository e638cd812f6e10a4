#include "tests/security/redaction_walker.h"

#include <vector>

#include "atlas/type/v1/access_tier.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atlas::access_table {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

bool IsMembersOnly(const FieldDescriptor* f) {
  return f->options().GetExtension(type::v1::access_tier) == type::v1::MEMBER;
}

const FieldDescriptor* RedactedFieldsOf(const Descriptor* d) {
  const FieldDescriptor* f = d->FindFieldByName("redacted_fields");
  return f != nullptr && f->is_repeated() &&
                 f->type() == FieldDescriptor::TYPE_STRING
             ? f
             : nullptr;
}

namespace {

bool IsPresent(const Message& m, const FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  return f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
}

}  // namespace

void Walk(const Message& m, const Message* record, const std::string& prefix,
          bool member, const std::string& where, WalkStats* stats) {
  const Descriptor* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  std::string base = prefix;
  std::vector<std::string> listed;
  if (const FieldDescriptor* rf = RedactedFieldsOf(d)) {
    record = &m;
    base.clear();
    ++stats->records;
    for (int i = 0; i < r->FieldSize(m, rf); ++i) {
      listed.push_back(r->GetRepeatedString(m, rf, i));
    }
    if (member) {
      EXPECT_THAT(listed, ::testing::IsEmpty())
          << where << ": " << d->full_name()
          << " lists redactions for a member";
    }
  } else if (record != nullptr) {
    const FieldDescriptor* rf = RedactedFieldsOf(record->GetDescriptor());
    const auto* rr = record->GetReflection();
    for (int i = 0; i < rr->FieldSize(*record, rf); ++i) {
      listed.push_back(rr->GetRepeatedString(*record, rf, i));
    }
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string path = base.empty() ? f->name() : base + "." + f->name();
    if (IsMembersOnly(f)) {
      ++stats->members_only_fields;
      if (member) {
        EXPECT_TRUE(IsPresent(m, f))
            << where << ": members-only " << d->full_name() << "." << f->name()
            << " is missing for a member (the seed must set every "
               "members-only field; a new one needs a value here)";
      } else {
        EXPECT_FALSE(IsPresent(m, f))
            << where << ": LEAK: members-only " << d->full_name() << "."
            << f->name() << " reached a non-member";
        EXPECT_NE(record, nullptr)
            << where << ": " << d->full_name() << "." << f->name()
            << " is members-only but no enclosing record can list it";
        EXPECT_THAT(listed, ::testing::Contains(path))
            << where << ": " << path << " not listed in redacted_fields";
      }
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(m, f); ++j) {
        Walk(r->GetRepeatedMessage(m, f, j), record, path, member, where,
             stats);
      }
    } else if (r->HasField(m, f)) {
      Walk(r->GetMessage(m, f), record, path, member, where, stats);
    }
  }
}

std::unique_ptr<Message> NewMessage(const Descriptor* d) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()->GetPrototype(d)->New());
}
}  // namespace atlas::access_table
