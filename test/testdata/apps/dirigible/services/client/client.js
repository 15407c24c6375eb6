// Creates, lists and closes outbound clients for the tests.
var websockets = require("net/websockets");
var globals = require("core/globals");

exports.get = function (req) {
  var p = req.params;
  var handler = p.handler || "my-project/client-handler";
  switch (p.action) {
    case "create":
      try {
        var client = websockets.createWebsocket(p.uri, handler);
        var n = parseInt(p.send || "0", 10);
        for (var i = 0; i < n; i++) {
          client.send((p.prefix || "") + "m" + i);
        }
        if (p.say) {
          client.send(p.say);
        }
        return { body: { id: client.id, uri: client.uri, handler: client.handler, clients: websockets.getClients() } };
      } catch (e) {
        return { status: 502, body: { error: e.message, isError: e instanceof Error } };
      }
    case "close":
      var c = p.id ? websockets.getClient(p.id) : websockets.getClientByHandler(handler);
      if (c === null) {
        return { status: 404, body: { error: "no such client" } };
      }
      c.close();
      return { body: { closed: c.id, clients: websockets.getClients() } };
    case "list":
      return { body: { clients: websockets.getClients() } };
    case "events":
      return { body: { events: globals.get("client-events") } };
  }
  return { status: 400, body: { error: "action?" } };
};
