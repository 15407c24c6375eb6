// A client handler whose onOpen, which createWebsocket runs inside the
// calling script's call, fails after an await: that part runs once the
// calling script's code has returned, and its rejection reaches onError
// then.
var events = require("./lib/client-events");

function record(what) {
  events.record(what);
  console.log("async-client-handler " + what);
}

exports.onOpen = async function () {
  record("open");
  await null;
  throw new Error("async onOpen fails after an await");
};

exports.onMessage = async function (message) {
  await null;
  record("message:" + message);
};

exports.onError = function (error) {
  record("error:" + error);
};
