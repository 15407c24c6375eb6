var websocket = require('/lib/xp/websocket');

websocket.sendToGroup('room'); // want TS2554 "Expected 2 arguments, but got 1"
