// What this node believes of a group: ?group=NAME (default room).
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  var group = req.params.group || 'room';
  return { body: { size: ws.getGroupSize(group), members: ws.getGroupMembers(group) } };
};
