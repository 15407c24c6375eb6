var websockets = require("net/websockets");
var globals = require("core/globals");

function record(what) {
  var log = globals.get("client-events");
  if (log === null) {
    log = [];
    globals.set("client-events", log);
  }
  log.push(what);
  console.log("client-handler " + what);
}

exports.onOpen = function () {
  record("open:" + websockets.getMethod());
};
exports.onMessage = function (message) {
  record("message:" + message);
};
exports.onError = function (error) {
  record("error:" + error);
};
exports.onClose = function () {
  record("close:" + websockets.isOnClose());
};
