// main.js of the event tests: listeners report what they get to the
// sockets in group "observe", so that a test sees it on a real socket.
var event = require('/lib/xp/event');
var ws = require('/lib/xp/websocket');
var httpClient = require('/lib/http-client');

function report(listener, e) {
  ws.sendToGroup('observe', JSON.stringify({ listener: listener, event: e }));
}

log.info('main.js ran');

event.listener({ type: 'custom.*', callback: function (e) { report('all', e); } });
event.listener({ type: 'custom.local*', localOnly: true, callback: function (e) { report('localOnly', e); } });
event.listener({
  type: 'custom.fail',
  callback: function () { throw new Error('listener failed on purpose'); }
});
event.listener({ type: 'custom.fail', callback: function (e) { report('afterFail', e); } });
// XP's cluster chat: every node's listener sends to its own sockets.
event.listener({ type: 'custom.chat', callback: function (e) { ws.sendToGroup('chat', e.data.text); } });
// Holds the listeners up until the test's server answers.
event.listener({ type: 'custom.slow', callback: function (e) { httpClient.request({ url: e.data.url }); } });
event.listener({ type: 'custom.spin', callback: function () { for (;;) {} } });

__.disposer(function () { log.info('main.js disposer ran'); });
