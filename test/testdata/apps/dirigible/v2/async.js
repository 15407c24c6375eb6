// A service module that exports a Promise is awaited: its rejection after
// an await is the module's failure.
var websocket = require("net/websocket");

module.exports = (async function () {
  await null;
  websocket.getSession().sendText("async module ran");
  throw new Error("async module fails after an await");
})();
