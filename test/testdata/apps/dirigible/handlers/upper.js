// Answers every message in capitals (Dirigible 7+: the return value is the
// reply). "throw" makes it fail; "binary" is not text, so it never comes here.
var websockets = require("net/websockets");

exports.onOpen = function () {
  console.info("upper: open, method " + websockets.getMethod());
};

exports.onMessage = function (message) {
  if (message === "throw") {
    throw new Error("upper refuses to shout " + message);
  }
  if (message === "object") {
    return { upper: "OBJECT", method: websockets.getMethod(), onMessage: websockets.isOnMessage() };
  }
  return message.toUpperCase();
};

exports.onError = function (error) {
  console.error("upper: onError " + error + " method " + websockets.getMethod() + " " + websockets.getError());
};

exports.onClose = function () {
  console.warn("upper: closed " + websockets.isOnClose());
};
