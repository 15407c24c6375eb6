exports.get = function (req) {
var websockets = require("net/v4/websockets");
var uri = req.params.uri;
var handler = "my-project/ws-handler"

function initialize() {
    console.log("Connect to: " + uri);
    var websocket = websockets.createWebsocket(uri, handler);
    websocket.send("hello");
}

initialize();

websockets.getClientByHandler(handler).close();
return { body: { clients: websockets.getClients() } };
};
