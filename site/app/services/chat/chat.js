// The chat service: one WebSocket per participant, one group per room.
//
// The server keeps no chat state of its own (module variables are per
// runtime, not per application), so everything a client knows comes from
// the protocol. All messages are JSON text frames.
//
// Server -> client
//   {type:'welcome',  id, name, room}            first frame on a new socket
//   {type:'join',     id, name, count}           someone (maybe you) joined
//   {type:'presence', id, name, count}           a member already in the room
//                                                answering your join
//   {type:'leave',    id, name, count}           someone left
//   {type:'message',  id, name, text, ts}        a chat line (ts: ms epoch)
//   {type:'error',    message}                   your last frame was refused
//   {type:'pong'}                                 answer to {type:'ping'}
// Client -> server
//   {type:'message',  text}                      say something (<= 2000 chars)
//   {type:'presence', to}                        answer a join: tell `to` you
//                                                are here
//   {type:'ping'}
//
// Names and rooms come from the query string of the upgrade request
// (?name=..&room=..), are cleaned, and are at most 32 characters. A
// signed-in person (event.session.user) is named by their display name
// instead, whatever the query says, and their messages carry verified: true. Bad client
// input is ignored or answered with an error frame; nothing here throws on
// it, because a throw would close the socket with 1011.

var ws = require('/lib/xp/websocket');
var auth = require('/lib/xp/auth');

var MAX_NAME = 32;
var MAX_ROOM = 32;
var MAX_TEXT = 2000;
var MAX_FRAME = 16384; // characters; larger frames are not even parsed

// Control characters, zero-width and bidirectional-override characters.
var INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/g;
// The same but keeping \t and \n, for message text.
var INVISIBLE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/g;

function first(v) {
  if (Array.isArray(v)) {
    v = v.length ? v[0] : '';
  }
  return typeof v === 'string' ? v : '';
}

// codePoints counts characters the way a person does (not UTF-16 units).
function codePoints(s) {
  return Array.from(s).length;
}

function cut(s, max) {
  var chars = Array.from(s);
  return chars.length > max ? chars.slice(0, max).join('') : s;
}

// label cleans a name or a room: one line, no invisible characters, single
// spaces, at most max characters.
function label(v, max) {
  var s = first(v).replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  return cut(s, max).trim();
}

function groupOf(room) {
  return 'room:' + room;
}

function send(id, obj) {
  ws.send(id, JSON.stringify(obj));
}

function broadcast(room, obj) {
  ws.sendToGroup(groupOf(room), JSON.stringify(obj));
}

exports.get = function (req) {
  if (!req.webSocket) {
    return {
      status: 426,
      headers: { 'Upgrade': 'websocket' },
      contentType: 'application/json; charset=utf-8',
      body: { status: 426, message: 'This service speaks WebSocket: connect with ?name=NAME&room=ROOM.' }
    };
  }
  var user = auth.getUser();
  var name = user ? label(user.displayName || user.login, MAX_NAME) : label(req.params.name, MAX_NAME);
  var room = label(req.params.room, MAX_ROOM).toLowerCase() || 'lobby';
  if (!name) {
    return {
      status: 400,
      contentType: 'application/json; charset=utf-8',
      body: { status: 400, message: 'A name (1 to 32 characters) is required.' }
    };
  }
  return {
    webSocket: {
      data: { name: name, room: room },
      subProtocols: ['chat']
    }
  };
};

function onOpen(id, data) {
  // Welcome first, before joining the group, so that it is the first frame
  // this socket receives.
  send(id, { type: 'welcome', id: id, name: data.name, room: data.room });
  ws.addToGroup(groupOf(data.room), id);
  var count = ws.getGroupSize(groupOf(data.room));
  broadcast(data.room, { type: 'join', id: id, name: data.name, count: count });
  log.info('chat: %s joined %s (%s online)', data.name, data.room, count);
}

function onClose(id, data) {
  // The closing session is still in its groups during its own close event.
  ws.removeFromGroup(groupOf(data.room), id);
  var count = ws.getGroupSize(groupOf(data.room));
  broadcast(data.room, { type: 'leave', id: id, name: data.name, count: count });
  log.info('chat: %s left %s (%s online)', data.name, data.room, count);
}

function parse(raw) {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_FRAME) {
    return null;
  }
  try {
    var msg = JSON.parse(raw);
    return msg !== null && typeof msg === 'object' && !Array.isArray(msg) ? msg : null;
  } catch (e) {
    return null;
  }
}

function onMessage(id, data, raw) {
  var msg = parse(raw);
  if (!msg) {
    send(id, { type: 'error', message: 'Frames must be JSON objects.' });
    return;
  }
  var group = groupOf(data.room);
  switch (msg.type) {
    case 'message': {
      if (typeof msg.text !== 'string') {
        send(id, { type: 'error', message: 'A message needs a text.' });
        return;
      }
      var text = msg.text.replace(/\r\n?/g, '\n').replace(INVISIBLE_TEXT, '').trim();
      if (!text) {
        return;
      }
      if (codePoints(text) > MAX_TEXT) {
        send(id, { type: 'error', message: 'Messages are at most ' + MAX_TEXT + ' characters.' });
        return;
      }
      var line = { type: 'message', id: id, name: data.name, text: text, ts: Date.now() };
      if (data.verified) {
        line.verified = true;
      }
      broadcast(data.room, line);
      return;
    }
    case 'presence': {
      var to = msg.to;
      if (typeof to !== 'string' || to === id || to.length > 200) {
        return;
      }
      // Only to members of this room: presence never leaks across rooms.
      if (ws.getGroupMembers(group).indexOf(to) < 0) {
        return;
      }
      send(to, { type: 'presence', id: id, name: data.name, count: ws.getGroupSize(group) });
      return;
    }
    case 'ping':
      send(id, { type: 'pong' });
      return;
    default:
      send(id, { type: 'error', message: 'Unknown message type.' });
  }
}

// sessionData is the session's data, named after its user when it has one:
// event.session.user is the user captured at the upgrade.
function sessionData(event) {
  var data = event.data || {};
  var user = event.session && event.session.user;
  if (user) {
    data.name = label(user.displayName || user.login, MAX_NAME) || data.name;
    data.verified = true;
  }
  return data;
}

exports.webSocketEvent = function (event) {
  var id = event.session && event.session.id;
  var data = sessionData(event);
  if (!id || !data.name || !data.room) {
    return;
  }
  switch (event.type) {
    case 'open':
      onOpen(id, data);
      break;
    case 'message':
      onMessage(id, data, event.message);
      break;
    case 'close':
      onClose(id, data);
      break;
    case 'error':
      log.warning('chat: socket %s of %s: %s', id, data.name, event.error);
      break;
  }
};
