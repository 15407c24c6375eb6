var session = require("net/websocket").getSession();
session.sendText("one");
session.sendTextAsync("two");
session.close();
