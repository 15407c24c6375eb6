// upper.js's async twin: what onMessage's Promise settles to is the
// reply; a rejection, or a Promise that can never settle, goes to onError
// as a throw does. net/websockets still describes the event after an
// await: the call lasts until its Promise settles.
var websockets = require("net/websockets");

async function shout(message) {
  await null;
  return message.toUpperCase();
}

exports.onMessage = async function (message) {
  if (message === "reject") {
    await null;
    throw new Error("asyncupper refuses after an await");
  }
  if (message === "never") {
    return new Promise(function () {});
  }
  return (await shout(message)) + " " + websockets.getMethod();
};

exports.onError = async function (error) {
  await null;
  console.error("asyncupper: onError " + error + " method " + websockets.getMethod());
};
