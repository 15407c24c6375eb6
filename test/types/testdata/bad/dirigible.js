var websockets = require('net/websockets');
var session = require('net/websocket');

websockets.createWebsocket('ws://echo.example.com/'); // want TS2554 "Expected 2-3 arguments, but got 1"
session.getSession().sendText('hi'); // want TS2531 "Object is possibly 'null'"
