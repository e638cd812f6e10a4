#include "tests/security/raw_call.h"

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace atlas::testing {
namespace {

std::string ToString(const ::grpc::ByteBuffer& buffer) {
  std::vector<::grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const ::grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

::grpc::ByteBuffer FromString(const std::string& bytes) {
  ::grpc::Slice slice(bytes.data(), bytes.size());
  return ::grpc::ByteBuffer(&slice, 1);
}

void Prepare(::grpc::ClientContext* context, const std::string& key,
             absl::Duration timeout) {
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace

RawUnaryResult RawUnary(const std::shared_ptr<::grpc::Channel>& channel,
                        const std::string& method, const std::string& request,
                        const std::string& key, absl::Duration timeout) {
  ::grpc::GenericStub stub(channel);
  ::grpc::ClientContext context;
  Prepare(&context, key, timeout);
  ::grpc::ByteBuffer in = FromString(request);
  ::grpc::ByteBuffer out;
  absl::Notification done;
  RawUnaryResult result;
  stub.UnaryCall(&context, method, ::grpc::StubOptions(), &in, &out,
                 [&](::grpc::Status s) {
                   result.status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (result.status.ok()) result.response = ToString(out);
  return result;
}

RawStreamResult RawServerStream(const std::shared_ptr<::grpc::Channel>& channel,
                                const std::string& method,
                                const std::string& request,
                                const std::string& key, size_t max_messages,
                                absl::Duration timeout) {
  ::grpc::GenericStub stub(channel);
  ::grpc::ClientContext context;
  Prepare(&context, key, timeout);
  ::grpc::CompletionQueue cq;
  RawStreamResult result;
  auto call = stub.PrepareCall(&context, method, &cq);
  // Each step waits for its own tag; the deadline on the context bounds
  // every wait.
  auto wait = [&cq](void* tag) {
    void* got = nullptr;
    bool ok = false;
    while (cq.Next(&got, &ok)) {
      if (got == tag) return ok;
    }
    return false;
  };
  int tags[5];
  call->StartCall(&tags[0]);
  if (wait(&tags[0])) {
    ::grpc::ByteBuffer in = FromString(request);
    call->WriteLast(in, ::grpc::WriteOptions(), &tags[1]);
    wait(&tags[1]);
    while (true) {
      if (result.messages.size() >= max_messages) {
        context.TryCancel();
        result.cancelled_by_us = true;
        break;
      }
      ::grpc::ByteBuffer out;
      call->Read(&out, &tags[2]);
      if (!wait(&tags[2])) break;
      result.messages.push_back(ToString(out));
    }
  }
  call->Finish(&result.status, &tags[3]);
  wait(&tags[3]);
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

}  // namespace atlas::testing
