// RETURN_IF_ERROR and ASSIGN_OR_RETURN, with the meaning of the macros of the
// same names in newer Abseil releases (Debian 12's Abseil 20220623 lacks
// them), so that an upgrade is a removal of this file.
#ifndef ATLAS_COMMON_STATUS_STATUS_MACROS_H_
#define ATLAS_COMMON_STATUS_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define RETURN_IF_ERROR(expr)                                    \
  do {                                                           \
    ::absl::Status atlas_status_macro_status_ = (expr);          \
    if (!atlas_status_macro_status_.ok()) {                      \
      return atlas_status_macro_status_;                         \
    }                                                            \
  } while (false)

#define ATLAS_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define ATLAS_STATUS_MACROS_CONCAT_(x, y) ATLAS_STATUS_MACROS_CONCAT_INNER_(x, y)

// ASSIGN_OR_RETURN(lhs, rexpr): evaluates `rexpr` (an absl::StatusOr<T>);
// returns its status from the enclosing function when not OK, otherwise
// moves the value into `lhs` (which may be a declaration: `auto x`).
#define ASSIGN_OR_RETURN(lhs, rexpr)                                     \
  ATLAS_ASSIGN_OR_RETURN_IMPL_(                                          \
      ATLAS_STATUS_MACROS_CONCAT_(atlas_statusor_, __LINE__), lhs, rexpr)

#define ATLAS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = *std::move(statusor)

#endif  // ATLAS_COMMON_STATUS_STATUS_MACROS_H_
