// atlasctl's command line: the argument parser, the global options, the
// environment every command runs in (channels, call contexts, output), and
// the command table that main() dispatches on.
//
// Exit codes: 0 success; 1 an RPC (or other run-time) error, printed as
// `error: <GRPC_CODE>: <message>`; 2 a usage error (unknown command or
// flag, wrong number of arguments), printed as `error: <message>` followed
// by the command's usage line.
#ifndef ATLAS_TOOLS_ATLASCTL_CLI_H_
#define ATLAS_TOOLS_ATLASCTL_CLI_H_

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/grpc/tls.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "tools/grpc_json/reflection_json_client.h"

namespace atlas::atlasctl {

enum class OutputFormat { kTable, kJson };

struct Options {
  std::string catalog_address = "localhost:50051";
  std::string incidents_address = "localhost:50052";
  // Sent as `authorization: Bearer <key>` when not empty.
  std::string key;
  absl::Duration timeout = absl::Seconds(10);
  // Whether --timeout was given (watch has no deadline otherwise).
  bool timeout_set = false;
  OutputFormat output = OutputFormat::kTable;
  // TLS (--tls-ca, --tls-cert, --tls-key); empty means plaintext.
  grpc_util::TlsFiles tls;
};

// The command line split into positional arguments and flags.
struct ParsedArgs {
  // Positional arguments in order, the command words first.
  std::vector<std::string> positional;
  // Flag name (without dashes) -> value ("true" for switches).
  std::map<std::string, std::string> flags;
  bool help = false;
};

// A usage error: main() exits 2. Carried as INVALID_ARGUMENT with a payload
// so that it is not mistaken for a server's INVALID_ARGUMENT.
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

// A failure the command has already reported in full (its own lines on
// err()): main() exits 1 without printing anything more.
absl::Status ReportedFailure(absl::string_view message);
bool IsReportedFailure(const absl::Status& status);

// Parses argv[1..]. Flags are `--name=value`, `--name value`, or `-o value`
// for --output; switches (--all, --update, --help, -h) take no value; `--` ends
// flags; a lone `-` is positional (stdin). Unknown flags are usage errors.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& argv);

// Fills Options from the global flags (and ATLAS_API_KEY when --key is
// absent), removing them from `args.flags`.
absl::StatusOr<Options> TakeGlobalOptions(ParsedArgs& args,
                                          const char* env_key);

// What a command runs with. Channels are created on first use.
class Env {
 public:
  Env(Options options, std::ostream& out, std::ostream& err)
      : options_(std::move(options)), out_(out), err_(err) {}

  const Options& options() const { return options_; }
  bool json() const { return options_.output == OutputFormat::kJson; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  std::shared_ptr<::grpc::Channel> CatalogChannel();
  std::shared_ptr<::grpc::Channel> IncidentsChannel();

  // A context with the key and the --timeout deadline.
  std::unique_ptr<::grpc::ClientContext> NewContext() const;
  // The same for the reflection client.
  grpc_json::CallOptions CallOptions() const;

  // Prints `message` as one line of protobuf JSON on out().
  void PrintJson(const google::protobuf::Message& message);

 private:
  // Plaintext, or TLS from Options::tls.
  std::shared_ptr<::grpc::ChannelCredentials> Credentials() const;
  Options options_;
  std::ostream& out_;
  std::ostream& err_;
  std::shared_ptr<::grpc::Channel> catalog_;
  std::shared_ptr<::grpc::Channel> incidents_;
};

// The arguments of one command, after its command words.
struct Invocation {
  std::vector<std::string> args;
  std::map<std::string, std::string> flags;

  // The flag's value, if given.
  std::optional<std::string> Flag(const std::string& name) const;
  // The flag as an int; a usage error if it is not one.
  absl::StatusOr<int> IntFlag(const std::string& name, int default_value) const;
};

using Handler = std::function<absl::Status(const Invocation&, Env&)>;

struct Command {
  // Command words: {"orgs", "get"}.
  std::vector<std::string> words;
  // Positional arguments, for the usage line: "NAME".
  std::string args_usage;
  // One line of help.
  std::string help;
  size_t min_args = 0;
  size_t max_args = 0;
  // Flags the command reads, beyond the global ones. A command listing
  // "output" takes --output (-o) for itself instead of the global one.
  std::vector<std::string> flags;
  Handler handler;
};

// "atlasctl orgs get NAME [--flag=...]".
std::string UsageLine(const Command& command);
// The full help text: global flags and every command.
std::string HelpText(const std::vector<Command>& commands);

// Runs the command line; returns the process exit code. Messages go to
// `err`, results to `out`.
int Run(const std::vector<std::string>& argv,
        const std::vector<Command>& commands, std::ostream& out,
        std::ostream& err);

// Helpers shared by commands.

// Prefixes `collection/` to a bare id ("vooruit" -> "organizations/vooruit");
// leaves full names alone.
std::string QualifiedName(absl::string_view collection, absl::string_view id);

// The JSON argument (or stdin for "-") parsed into `message`.
// INVALID_ARGUMENT naming the message type when it does not parse.
absl::Status ParseJsonArgument(const std::string& arg,
                               google::protobuf::Message& message);

// The servers named by a command's optional first argument, "catalog" or
// "incidents", as (label, is_catalog); both when there is none.
absl::StatusOr<std::vector<std::pair<std::string, bool>>> ChooseServers(
    const Invocation& invocation);

// `text` on one line: newlines and runs of blanks become one space, and a
// trailing caret (protobuf's JSON errors point at the input) is dropped.
std::string SingleLine(absl::string_view text);

// Reads all of a file, or of stdin for "-".
absl::StatusOr<std::string> ReadInput(const std::string& path);

}  // namespace atlas::atlasctl

#endif  // ATLAS_TOOLS_ATLASCTL_CLI_H_
