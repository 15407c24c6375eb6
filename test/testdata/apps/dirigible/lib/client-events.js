// The events the client handlers saw, kept in core/globals for the client
// service to read back.
var globals = require("core/globals");

exports.record = function (what) {
  var log = globals.get("client-events");
  if (log === null) {
    log = [];
    globals.set("client-events", log);
  }
  log.push(what);
};
