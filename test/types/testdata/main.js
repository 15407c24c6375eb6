var eventLib = require('/lib/xp/event');
var context = require('/lib/xp/context');
var websocket = require('/lib/xp/websocket');

/** @type {Record<string, number>} */
var messages = {};

eventLib.listener({
  type: 'custom.chat.*',
  localOnly: false,
  /** @param {import('/lib/xp/event').EnonicEvent<{room: string, text: string}>} e */
  callback: function (e) {
    messages[e.data.room] = (messages[e.data.room] || 0) + 1;
    if (!e.localOrigin) {
      log.debug('message from another node at %s', new Date(e.timestamp).toISOString());
    }
  }
});

eventLib.send({ type: 'chat.started', distributed: false, data: { node: app.name + '@' + app.version } });

context.run({ user: { login: 'system-bot', idProvider: 'system' }, branch: 'master' }, function () {
  websocket.sendToGroup('room.lobby', 'The chat restarted.');
});

__.disposer(function () {
  log.info('stopping with %s', JSON.stringify(messages));
});

eventLib.listener({
  type: 'custom.audit',
  /** @param {import('/lib/xp/event').EnonicEvent} e */
  callback: async function (e) {
    await null;
    log.info('audited %s', e.type);
  }
});
