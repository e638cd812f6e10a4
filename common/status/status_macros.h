// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
// Abseil ships no public status macros (not in Debian 12's 20220623, nor in
// later releases); these behave like the macros of the same names in
// Google's codebases (TensorFlow's TSL, google-cloud-cpp's internal ones),
// so moving to one of those is a rename of the include.
#ifndef ATLAS_COMMON_STATUS_STATUS_MACROS_H_
#define ATLAS_COMMON_STATUS_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    ::absl::Status atlas_status_macro_status_ = (expr); \
    if (!atlas_status_macro_status_.ok()) {             \
      return atlas_status_macro_status_;                \
    }                                                   \
  } while (false)

#define ATLAS_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define ATLAS_STATUS_MACROS_CONCAT_(x, y) \
  ATLAS_STATUS_MACROS_CONCAT_INNER_(x, y)

// ASSIGN_OR_RETURN(lhs, rexpr): evaluates `rexpr` (an absl::StatusOr<T>);
// returns its status from the enclosing function when not OK, otherwise
// moves the value into `lhs` (which may be a declaration: `auto x`).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ATLAS_ASSIGN_OR_RETURN_IMPL_(      \
      ATLAS_STATUS_MACROS_CONCAT_(atlas_statusor_, __LINE__), lhs, rexpr)

#define ATLAS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = *std::move(statusor)

#endif  // ATLAS_COMMON_STATUS_STATUS_MACROS_H_
