// The size of a group, as this node counts it across the cluster.
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  return { body: String(ws.getGroupSize(req.params.group)) };
};
