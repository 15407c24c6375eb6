// Echoes the params back, with the session's id and the channel's size.
var websocket = require("net/websocket");
var context = require("core/context");
var session = websocket.getSession();
session.sendText(JSON.stringify({
  n: context.get("n"),
  from: context.get("from"),
  flag: context.get("flag"),
  missing: context.get("missing"),
  id: session.getId(),
  open: websocket.getOpenSessions().length
}));
