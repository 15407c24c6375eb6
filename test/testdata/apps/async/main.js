// An async listener: its rejection is logged as a throw would be. An
// async disposer likewise, when the application stops.
var event = require('/lib/xp/event');

async function hear(e) {
  await null;
  if (e.data.fail) {
    throw new Error('async listener fails: ' + e.data.tag);
  }
  return e.data.tag;
}

event.listener({
  type: 'custom.async',
  callback: async function (e) {
    log.info('async listener heard %s', await hear(e));
  }
});

__.disposer(async function () {
  await null;
  throw new Error('async disposer rejects');
});
