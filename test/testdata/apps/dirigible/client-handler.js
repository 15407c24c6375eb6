var websockets = require("net/websockets");
var events = require("./lib/client-events");

function record(what) {
  events.record(what);
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
