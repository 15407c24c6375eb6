var websockets = require("sdk/net").websockets;
if (websockets.isOnOpen()) {
  console.log("templ: top level saw " + websockets.getMethod());
}
var seen = (typeof seen === "undefined") ? 0 : seen;
seen++;
exports.onMessage = function (message) {
  return JSON.stringify({ method: websockets.getMethod(), message: websockets.getMessage(), seen: seen, same: websockets === require("net/v4/websockets") });
};
