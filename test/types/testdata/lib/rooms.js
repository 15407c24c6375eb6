var websocket = require('/lib/xp/websocket');

/**
 * The group of a room.
 * @param {string} room
 * @returns {string}
 */
exports.group = function (room) {
  return 'room.' + room;
};

/**
 * Tells everyone in the room, JSON-encoded.
 * @param {string} room
 * @param {{from: string, text: string}} message
 */
exports.announce = function (room, message) {
  websocket.sendToGroup(exports.group(room), { type: 'chat', from: message.from, text: message.text });
};
