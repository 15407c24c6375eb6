// The soak test's chat (test/soak_test.go, test/soakclient): rooms of
// sessions, every message goes to every member of the sender's room.
//
//   GET ?room=R (upgrade)  accepted, data.room = R
//   open                   join group R, then send 'joined <size>' to the
//                          session: once it arrives the session is a member,
//                          which is the client's barrier before chatting
//   message                sendToGroup(R, message), unchanged (sender too)
var websocket = require('/lib/xp/websocket');

exports.get = function (req) {
  if (!req.webSocket || !req.params.room) {
    return { status: 400 };
  }
  return { webSocket: { data: { room: req.params.room } } };
};

exports.webSocketEvent = function (event) {
  var room = event.data.room;
  if (event.type === 'open') {
    websocket.addToGroup(room, event.session.id);
    websocket.send(event.session.id, 'joined ' + websocket.getGroupSize(room));
  } else if (event.type === 'message') {
    websocket.sendToGroup(room, event.message);
  } else if (event.type === 'error') {
    log.warning('soak session %s error: %s', event.session.id, event.error);
  }
};
