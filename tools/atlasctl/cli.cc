#include "tools/atlasctl/cli.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/error_details.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace atlas::atlasctl {
namespace {

constexpr char kUsagePayload[] = "atlasctl/usage";
constexpr char kReportedPayload[] = "atlasctl/reported";

// Flags that take no value.
const std::set<std::string>& Switches() {
  static const auto* flags = new std::set<std::string>{"all", "help", "update"};
  return *flags;
}

bool Matches(const Command& command, const std::vector<std::string>& words) {
  if (words.size() < command.words.size()) return false;
  for (size_t i = 0; i < command.words.size(); ++i) {
    if (words[i] != command.words[i]) return false;
  }
  return true;
}

}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::Status ReportedFailure(absl::string_view message) {
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kReportedPayload, absl::Cord("1"));
  return status;
}

bool IsReportedFailure(const absl::Status& status) {
  return status.GetPayload(kReportedPayload).has_value();
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& argv) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (flags_done || arg == "-" || !absl::StartsWith(arg, "-")) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h") {
      parsed.help = true;
      continue;
    }
    std::string name;
    std::optional<std::string> value;
    if (arg == "-o") {
      name = "output";
    } else if (absl::StartsWith(arg, "--")) {
      name = arg.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
    } else {
      return UsageError(absl::StrCat("unknown flag ", arg));
    }
    // Accept --page_size as well as --page-size.
    std::replace(name.begin(), name.end(), '_', '-');
    if (name == "help") {
      parsed.help = true;
      continue;
    }
    if (Switches().count(name) != 0) {
      if (value.has_value() && *value != "true" && *value != "false") {
        return UsageError(absl::StrCat("--", name, " takes no value"));
      }
      parsed.flags[name] = value.value_or("true");
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= argv.size()) {
        return UsageError(absl::StrCat("flag --", name, " needs a value"));
      }
      value = argv[++i];
    }
    parsed.flags[name] = *value;
  }
  return parsed;
}

absl::StatusOr<Options> TakeGlobalOptions(ParsedArgs& args,
                                          const char* env_key) {
  Options options;
  auto take = [&args](const std::string& name) -> std::optional<std::string> {
    auto it = args.flags.find(name);
    if (it == args.flags.end()) return std::nullopt;
    std::string value = it->second;
    args.flags.erase(it);
    return value;
  };
  if (auto v = take("catalog")) options.catalog_address = *v;
  if (auto v = take("incidents")) options.incidents_address = *v;
  if (auto v = take("key")) {
    options.key = *v;
  } else if (env_key != nullptr) {
    options.key = env_key;
  }
  if (auto v = take("timeout")) {
    absl::Duration d;
    double seconds;
    if (absl::ParseDuration(*v, &d)) {
    } else if (absl::SimpleAtod(*v, &seconds)) {
      d = absl::Seconds(seconds);
    } else {
      return UsageError(absl::StrCat("--timeout: \"", *v,
                                     "\" is not a duration (10s, 1m, 500ms)"));
    }
    if (d <= absl::ZeroDuration()) {
      return UsageError("--timeout must be positive");
    }
    options.timeout = d;
    options.timeout_set = true;
  }
  if (auto v = take("tls-ca")) options.tls.ca = *v;
  if (auto v = take("tls-cert")) options.tls.cert = *v;
  if (auto v = take("tls-key")) options.tls.key = *v;
  if (options.tls.cert.empty() != options.tls.key.empty()) {
    return UsageError("--tls-cert and --tls-key go together");
  }
  if (auto v = take("output")) {
    if (*v == "table") {
      options.output = OutputFormat::kTable;
    } else if (*v == "json") {
      options.output = OutputFormat::kJson;
    } else {
      return UsageError(
          absl::StrCat("--output: \"", *v, "\" is not table or json"));
    }
  }
  return options;
}

std::shared_ptr<::grpc::ChannelCredentials> Env::Credentials() const {
  if (options_.tls.empty()) return ::grpc::InsecureChannelCredentials();
  auto credentials = grpc_util::MakeChannelCredentials(options_.tls);
  if (!credentials.ok()) {
    // An unreadable certificate fails every call with a clear message
    // rather than silently falling back to plaintext.
    std::cerr << "error: " << credentials.status().message() << "\n";
    std::exit(2);
  }
  return *credentials;
}

std::shared_ptr<::grpc::Channel> Env::CatalogChannel() {
  if (catalog_ == nullptr) {
    catalog_ = ::grpc::CreateChannel(options_.catalog_address, Credentials());
  }
  return catalog_;
}

std::shared_ptr<::grpc::Channel> Env::IncidentsChannel() {
  if (incidents_ == nullptr) {
    incidents_ =
        ::grpc::CreateChannel(options_.incidents_address, Credentials());
  }
  return incidents_;
}

grpc_json::CallOptions Env::CallOptions() const {
  grpc_json::CallOptions call;
  call.timeout = options_.timeout;
  if (!options_.key.empty()) {
    call.metadata.emplace_back("authorization",
                               absl::StrCat("Bearer ", options_.key));
  }
  return call;
}

std::unique_ptr<::grpc::ClientContext> Env::NewContext() const {
  auto context = std::make_unique<::grpc::ClientContext>();
  grpc_json::ApplyCallOptions(CallOptions(), *context);
  return context;
}

void Env::PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  google::protobuf::util::Status printed =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) {
    // Only an Any of an unknown type can fail here; say so and go on.
    err_ << "error: INTERNAL: cannot print "
         << message.GetDescriptor()->full_name()
         << " as JSON: " << printed.message() << "\n";
    return;
  }
  out_ << json << "\n";
}

std::optional<std::string> Invocation::Flag(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<int> Invocation::IntFlag(const std::string& name,
                                        int default_value) const {
  std::optional<std::string> v = Flag(name);
  if (!v.has_value()) return default_value;
  int value;
  if (!absl::SimpleAtoi(*v, &value)) {
    return UsageError(
        absl::StrCat("--", name, ": \"", *v, "\" is not a whole number"));
  }
  return value;
}

std::string UsageLine(const Command& command) {
  std::string line =
      absl::StrCat("atlasctl ", absl::StrJoin(command.words, " "));
  if (!command.args_usage.empty())
    absl::StrAppend(&line, " ", command.args_usage);
  for (const std::string& flag : command.flags) {
    absl::StrAppend(&line, " [--", flag,
                    Switches().count(flag) != 0 ? "" : "=...", "]");
  }
  return line;
}

std::string HelpText(const std::vector<Command>& commands) {
  std::string text =
      "atlasctl: command-line client of Incident Atlas.\n"
      "\n"
      "Global flags:\n"
      "  --catalog=HOST:PORT    catalog-service (default localhost:50051)\n"
      "  --incidents=HOST:PORT  incident-service (default localhost:50052)\n"
      "  --key=KEY              API key, sent as `authorization: Bearer KEY`\n"
      "                         (default: $ATLAS_API_KEY)\n"
      "  --timeout=DURATION     deadline of each call (default 10s)\n"
      "  --tls-ca=FILE          TLS: verify the servers against this CA\n"
      "                         (plaintext when no --tls-* flag is given)\n"
      "  --tls-cert=FILE --tls-key=FILE\n"
      "                         TLS client certificate, for mutual TLS\n"
      "  --output=table|json    -o; json prints one protobuf-JSON object per\n"
      "                         line (pipe to jq, or back into import)\n"
      "\n"
      "Commands:\n";
  for (const Command& command : commands) {
    absl::StrAppend(&text, "  ", UsageLine(command), "\n      ", command.help,
                    "\n");
  }
  absl::StrAppend(&text,
                  "\nExit codes: 0 ok, 1 RPC error (`error: CODE: message`), "
                  "2 usage error.\n");
  return text;
}

int Run(const std::vector<std::string>& argv,
        const std::vector<Command>& commands, std::ostream& out,
        std::ostream& err) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(argv);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\n"
        << "run `atlasctl --help` for usage\n";
    return 2;
  }
  if (parsed->positional.empty() || parsed->positional[0] == "help") {
    if (parsed->help || !parsed->positional.empty()) {
      out << HelpText(commands);
      return 0;
    }
    err << HelpText(commands);
    return 2;
  }

  // The longest command whose words start the positional arguments.
  const Command* command = nullptr;
  for (const Command& c : commands) {
    if (Matches(c, parsed->positional) &&
        (command == nullptr || c.words.size() > command->words.size())) {
      command = &c;
    }
  }
  if (command == nullptr) {
    std::vector<std::string> subcommands;
    for (const Command& c : commands) {
      if (c.words.size() > 1 && c.words[0] == parsed->positional[0]) {
        subcommands.push_back(c.words[1]);
      }
    }
    if (!subcommands.empty()) {
      err << "error: " << parsed->positional[0]
          << " needs a subcommand: " << absl::StrJoin(subcommands, ", ")
          << "\n";
    } else {
      err << "error: unknown command \"" << parsed->positional[0] << "\"\n"
          << "run `atlasctl --help` for usage\n";
    }
    return 2;
  }
  if (parsed->help) {
    out << UsageLine(*command) << "\n  " << command->help << "\n";
    return 0;
  }

  // A command that declares --output itself (admin backup: a file) takes
  // it; the global --output (table or json) does not apply to it.
  std::optional<std::string> own_output;
  if (std::find(command->flags.begin(), command->flags.end(), "output") !=
      command->flags.end()) {
    auto it = parsed->flags.find("output");
    if (it != parsed->flags.end()) {
      own_output = it->second;
      parsed->flags.erase(it);
    }
  }
  absl::StatusOr<Options> options =
      TakeGlobalOptions(*parsed, std::getenv("ATLAS_API_KEY"));
  if (own_output.has_value()) parsed->flags["output"] = *own_output;
  Invocation invocation;
  absl::Status status = options.status();
  if (status.ok()) {
    invocation.args.assign(parsed->positional.begin() + command->words.size(),
                           parsed->positional.end());
    for (const auto& [name, value] : parsed->flags) {
      if (std::find(command->flags.begin(), command->flags.end(), name) ==
          command->flags.end()) {
        status = UsageError(absl::StrCat("unknown flag --", name, " for ",
                                         absl::StrJoin(command->words, " ")));
        break;
      }
    }
    invocation.flags = parsed->flags;
  }
  if (status.ok() && (invocation.args.size() < command->min_args ||
                      invocation.args.size() > command->max_args)) {
    status = UsageError(
        invocation.args.size() < command->min_args
            ? absl::StrCat("missing argument: ", command->args_usage)
            : absl::StrCat("unexpected argument \"",
                           invocation.args[command->max_args], "\""));
  }
  if (status.ok()) {
    Env env(*options, out, err);
    status = command->handler(invocation, env);
  }
  if (status.ok()) return 0;
  if (IsReportedFailure(status)) return 1;
  if (IsUsageError(status)) {
    err << "error: " << status.message() << "\n"
        << "usage: " << UsageLine(*command) << "\n";
    return 2;
  }
  err << "error: " << absl::StatusCodeToString(status.code()) << ": "
      << status.message() << "\n";
  // The server's AIP-193 details (field violations, reason, retry delay).
  for (const std::string& line : status::DescribeErrorDetails(status)) {
    err << "  " << line << "\n";
  }
  return 1;
}

std::string QualifiedName(absl::string_view collection, absl::string_view id) {
  if (absl::StrContains(id, '/')) return std::string(id);
  return absl::StrCat(collection, "/", id);
}

absl::StatusOr<std::vector<std::pair<std::string, bool>>> ChooseServers(
    const Invocation& invocation) {
  std::vector<std::pair<std::string, bool>> servers = {{"catalog", true},
                                                       {"incidents", false}};
  if (invocation.args.empty()) return servers;
  const std::string& which = invocation.args[0];
  if (which == "catalog") return decltype(servers){servers[0]};
  if (which == "incidents") return decltype(servers){servers[1]};
  return UsageError(
      absl::StrCat("\"", which, "\" is not a server: catalog or incidents"));
}

std::string SingleLine(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '^')) {
    out.pop_back();
  }
  return out;
}

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin),
                       std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  return text.str();
}

absl::Status ParseJsonArgument(const std::string& arg,
                               google::protobuf::Message& message) {
  std::string json = arg;
  if (arg == "-") {
    absl::StatusOr<std::string> in = ReadInput("-");
    if (!in.ok()) return in.status();
    json = *std::move(in);
  }
  google::protobuf::util::JsonParseOptions options;
  google::protobuf::util::Status parsed =
      google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not valid JSON for ", message.GetDescriptor()->full_name(), ": ",
        SingleLine(std::string(parsed.message()))));
  }
  return absl::OkStatus();
}

}  // namespace atlas::atlasctl
