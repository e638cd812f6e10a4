// ServiceServer: what a service binary runs, whichever service it is.
// CatalogServer and IncidentServer implement it (the KV server's
// Init / Wait / GracefulShutdown, TF Serving's Server); RunUntilSignalled
// (service_main.h) drives it from main.cc.
#ifndef ATLAS_COMMON_SERVER_SERVICE_SERVER_H_
#define ATLAS_COMMON_SERVER_SERVICE_SERVER_H_

#include "absl/status/status.h"

namespace atlas::server {

class ServiceServer {
 public:
  virtual ~ServiceServer() = default;
  // The bound port.
  virtual int port() const = 0;
  // Graceful shutdown: readiness goes NOT_SERVING, streams are closed,
  // in-flight calls drain within the grace. Idempotent; any thread.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed, then stops background work and
  // closes the database. Returns the close status (an error means the
  // database did not close cleanly). Call once.
  virtual absl::Status Wait() = 0;
};

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_SERVICE_SERVER_H_
