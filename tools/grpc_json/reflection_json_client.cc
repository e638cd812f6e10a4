#include "tools/grpc_json/reflection_json_client.h"

#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc/status_conversion.h"
#include "common/status/status_macros.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "tools/grpc_json/reflection_wire.pb.h"

namespace atlas::grpc_json {
namespace {

namespace pb = ::google::protobuf;
namespace wire = ::atlas::tools::reflection_wire;

constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

::grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  ::grpc::Slice slice(bytes);
  return ::grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const ::grpc::ByteBuffer& buffer) {
  std::vector<::grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const ::grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// A blocking wrapper around one generic (raw bytes) streaming call. The
// generic stub offers only the async and callback APIs; a private completion
// queue drained after each step turns the async API into a blocking one,
// which is all a command-line client needs.
class BlockingGenericStream {
 public:
  BlockingGenericStream(std::shared_ptr<::grpc::Channel> channel,
                        ::grpc::ClientContext& context,
                        const std::string& method)
      : stub_(std::move(channel)),
        context_(context),
        call_(stub_.PrepareCall(&context, method, &cq_)) {}

  ~BlockingGenericStream() {
    if (!finished_) {
      context_.TryCancel();
      Finish().IgnoreError();  // Abandoned: the caller has its answer.
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  bool Start() {
    call_->StartCall(this);
    return Wait();
  }
  bool Write(const std::string& bytes) {
    call_->Write(ToByteBuffer(bytes), this);
    return Wait();
  }
  bool WritesDone() {
    call_->WritesDone(this);
    return Wait();
  }
  // False at the end of the stream (or when the call failed).
  bool Read(std::string* bytes) {
    ::grpc::ByteBuffer buffer;
    call_->Read(&buffer, this);
    if (!Wait()) return false;
    *bytes = FromByteBuffer(buffer);
    return true;
  }
  absl::Status Finish() {
    ::grpc::Status status;
    call_->Finish(&status, this);
    Wait();
    finished_ = true;
    return grpc_util::FromGrpcStatus(status);
  }
  void Cancel() { context_.TryCancel(); }

 private:
  bool Wait() {
    void* tag = nullptr;
    bool ok = false;
    if (!cq_.Next(&tag, &ok)) return false;
    return ok;
  }

  ::grpc::GenericStub stub_;
  ::grpc::ClientContext& context_;
  ::grpc::CompletionQueue cq_;
  std::unique_ptr<::grpc::GenericClientAsyncReaderWriter> call_;
  bool finished_ = false;
};

// One reflection stream: request, response, request, response, ...
class ReflectionSession {
 public:
  ReflectionSession(std::shared_ptr<::grpc::Channel> channel,
                    const CallOptions& options) {
    ApplyCallOptions(options, context_);
    stream_ = std::make_unique<BlockingGenericStream>(
        std::move(channel), context_, kReflectionMethod);
    started_ = stream_->Start();
  }

  ~ReflectionSession() {
    if (stream_ != nullptr && started_) stream_->WritesDone();
  }

  absl::StatusOr<wire::ServerReflectionResponse> Ask(
      const wire::ServerReflectionRequest& request) {
    std::string bytes;
    if (!started_ || !stream_->Write(request.SerializeAsString()) ||
        !stream_->Read(&bytes)) {
      return Failed();
    }
    wire::ServerReflectionResponse response;
    if (!response.ParseFromString(bytes)) {
      return absl::InternalError("server sent a malformed reflection response");
    }
    if (response.has_error_response()) {
      return absl::Status(
          static_cast<absl::StatusCode>(response.error_response().error_code()),
          response.error_response().error_message());
    }
    return response;
  }

 private:
  // The stream ended early: its status says why.
  absl::Status Failed() {
    absl::Status status = stream_->Finish();
    started_ = false;
    if (status.ok()) {
      return absl::InternalError("reflection stream ended without an answer");
    }
    if (status.code() == absl::StatusCode::kUnimplemented) {
      return absl::UnimplementedError(
          "the server does not serve reflection "
          "(grpc.reflection.v1alpha.ServerReflection)");
    }
    return status;
  }

  ::grpc::ClientContext context_;
  std::unique_ptr<BlockingGenericStream> stream_;
  bool started_ = false;
};

class CollectingErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    errors_.push_back(
        absl::StrCat(filename, ": ", element_name, ": ", message));
  }
  std::string Text() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::vector<std::string> errors_;
};

// Splits "pkg.Service/Method", "/pkg.Service/Method" or "pkg.Service.Method".
absl::StatusOr<std::pair<std::string, std::string>> SplitMethodName(
    absl::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  size_t cut = name.rfind('/');
  if (cut == absl::string_view::npos) cut = name.rfind('.');
  if (cut == absl::string_view::npos || cut == 0 || cut + 1 == name.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("method name \"", name,
                     "\" is not of the form package.Service/Method"));
  }
  return std::make_pair(std::string(name.substr(0, cut)),
                        std::string(name.substr(cut + 1)));
}

// protobuf's JSON parser reports syntax errors over several lines (the
// input, then a caret); an error message is one line.
std::string OneLine(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '^'))
    out.pop_back();
  return out;
}

}  // namespace

void ApplyCallOptions(const CallOptions& options,
                      ::grpc::ClientContext& context) {
  if (options.timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  }
  for (const auto& [key, value] : options.metadata) {
    context.AddMetadata(key, value);
  }
}

ReflectionJsonClient::ReflectionJsonClient(
    std::shared_ptr<::grpc::Channel> channel, JsonFormat format)
    : channel_(std::move(channel)), format_(format) {}

absl::StatusOr<std::vector<std::string>> ReflectionJsonClient::ListServices(
    const CallOptions& options) {
  ReflectionSession session(channel_, options);
  wire::ServerReflectionRequest request;
  request.set_list_services("");
  ASSIGN_OR_RETURN(wire::ServerReflectionResponse response,
                   session.Ask(request));
  std::vector<std::string> names;
  for (const wire::ServiceResponse& s :
       response.list_services_response().service()) {
    names.push_back(s.name());
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status ReflectionJsonClient::LoadSymbol(const std::string& symbol,
                                              const CallOptions& options) {
  ReflectionSession session(channel_, options);
  // Files received and not yet in pool_, by name.
  std::map<std::string, pb::FileDescriptorProto> received;
  auto take =
      [&received](
          const wire::ServerReflectionResponse& response) -> absl::Status {
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      pb::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) {
        return absl::InternalError(
            "server sent a malformed FileDescriptorProto");
      }
      std::string name = file.name();
      received.emplace(std::move(name), std::move(file));
    }
    return absl::OkStatus();
  };

  wire::ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  absl::StatusOr<wire::ServerReflectionResponse> response =
      session.Ask(request);
  if (response.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(
        absl::StrCat(symbol, " not found on the server (reflection: ",
                     response.status().message(), ")"));
  }
  RETURN_IF_ERROR(response.status());
  RETURN_IF_ERROR(take(*response));

  // The server may leave out files it sent earlier on the same stream (the
  // protocol allows it), and this client may have loaded them on another
  // stream: ask by name for every dependency that is in neither place.
  for (bool asked = true; asked;) {
    asked = false;
    std::vector<std::string> missing;
    for (const auto& [name, file] : received) {
      for (const std::string& dep : file.dependency()) {
        if (received.count(dep) == 0 && pool_.FindFileByName(dep) == nullptr) {
          missing.push_back(dep);
        }
      }
    }
    for (const std::string& dep : missing) {
      if (received.count(dep) != 0) continue;
      wire::ServerReflectionRequest by_name;
      by_name.set_file_by_filename(dep);
      ASSIGN_OR_RETURN(wire::ServerReflectionResponse r, session.Ask(by_name));
      RETURN_IF_ERROR(take(r));
      if (received.count(dep) == 0) {
        return absl::InternalError(
            absl::StrCat("server did not send ", dep, ", needed by ", symbol));
      }
      asked = true;
    }
  }

  // Build dependencies first (the pool requires it).
  std::set<std::string> building;
  std::function<absl::Status(const std::string&)> build =
      [&](const std::string& name) -> absl::Status {
    if (pool_.FindFileByName(name) != nullptr) return absl::OkStatus();
    auto it = received.find(name);
    if (it == received.end()) {
      return absl::InternalError(absl::StrCat("missing descriptor ", name));
    }
    if (!building.insert(name).second) {
      return absl::InternalError(absl::StrCat("import cycle at ", name));
    }
    for (const std::string& dep : it->second.dependency()) {
      RETURN_IF_ERROR(build(dep));
    }
    CollectingErrors errors;
    if (pool_.BuildFileCollectingErrors(it->second, &errors) == nullptr) {
      return absl::InternalError(absl::StrCat(
          "server sent a descriptor that does not build: ", errors.Text()));
    }
    return absl::OkStatus();
  };
  for (const auto& entry : received) {
    RETURN_IF_ERROR(build(entry.first));
  }
  return absl::OkStatus();
}

absl::StatusOr<const pb::ServiceDescriptor*> ReflectionJsonClient::FindService(
    absl::string_view service, const CallOptions& options) {
  std::string name(service);
  if (const pb::ServiceDescriptor* d = pool_.FindServiceByName(name)) return d;
  absl::Status loaded = LoadSymbol(name, options);
  if (loaded.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("service ", name, " not found"));
  }
  RETURN_IF_ERROR(loaded);
  const pb::ServiceDescriptor* d = pool_.FindServiceByName(name);
  if (d == nullptr) {
    // The symbol exists but is a message or an enum.
    return absl::NotFoundError(
        absl::StrCat(name, " is not a service on this server"));
  }
  return d;
}

absl::StatusOr<const pb::MethodDescriptor*> ReflectionJsonClient::FindMethod(
    absl::string_view method, const CallOptions& options) {
  ASSIGN_OR_RETURN(auto parts, SplitMethodName(method));
  ASSIGN_OR_RETURN(const pb::ServiceDescriptor* service,
                   FindService(parts.first, options));
  const pb::MethodDescriptor* m = service->FindMethodByName(parts.second);
  if (m == nullptr) {
    return absl::NotFoundError(absl::StrCat("method ", parts.second,
                                            " not found in service ",
                                            service->full_name()));
  }
  return m;
}

absl::Status ReflectionJsonClient::Call(
    absl::string_view method, absl::string_view request_json,
    const CallOptions& options,
    absl::FunctionRef<void(const std::string& json)> on_response) {
  ASSIGN_OR_RETURN(const pb::MethodDescriptor* m, FindMethod(method, options));
  if (m->client_streaming()) {
    return absl::InvalidArgumentError(
        absl::StrCat(m->full_name(),
                     " is client-streaming; only unary and server-streaming "
                     "methods can be called"));
  }
  std::unique_ptr<pb::Message> request(
      factory_.GetPrototype(m->input_type())->New());
  absl::string_view json = request_json;
  if (json.find_first_not_of(" \t\r\n") == absl::string_view::npos) {
    json = "{}";
  }
  pb::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  pb::util::Status parsed = pb::util::JsonStringToMessage(
      pb::StringPiece(json.data(), json.size()), request.get(), parse_options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request is not valid JSON for ", m->input_type()->full_name(), ": ",
        OneLine(std::string(parsed.message()))));
  }

  ::grpc::ClientContext context;
  ApplyCallOptions(options, context);
  BlockingGenericStream stream(
      channel_, context,
      absl::StrCat("/", m->service()->full_name(), "/", m->name()));
  if (stream.Start() && stream.Write(request->SerializeAsString())) {
    stream.WritesDone();
  }
  pb::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = format_.preserve_proto_field_names;
  print_options.always_print_primitive_fields = format_.emit_defaults;
  print_options.add_whitespace = format_.pretty;
  const pb::Message* prototype = factory_.GetPrototype(m->output_type());
  std::string bytes;
  absl::Status decode_error;
  while (stream.Read(&bytes)) {
    std::unique_ptr<pb::Message> response(prototype->New());
    std::string out;
    if (!response->ParseFromString(bytes)) {
      decode_error = absl::InternalError(
          absl::StrCat("server sent a response that does not parse as ",
                       m->output_type()->full_name()));
    } else if (pb::util::Status printed = pb::util::MessageToJsonString(
                   *response, &out, print_options);
               !printed.ok()) {
      decode_error = absl::InternalError(
          absl::StrCat("cannot print the response as JSON: ",
                       std::string(printed.message())));
    }
    if (!decode_error.ok()) {
      stream.Cancel();
      stream.Finish().IgnoreError();  // Cancelled by us.
      return decode_error;
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    on_response(out);
  }
  return stream.Finish();
}

}  // namespace atlas::grpc_json
