var websocket = require('/lib/xp/websocket');

websocket.sendToGroup('room', 42); // want TS2345 "Argument of type 'number' is not assignable"
