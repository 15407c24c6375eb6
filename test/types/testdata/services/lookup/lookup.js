// Async handlers: duplex awaits the Promise they return.
async function find(id) {
  await null;
  return { id: id, name: 'item ' + id };
}

/** @type {Duplex.AsyncRequestHandler} */
exports.get = async function (req) {
  var item = await find(String(req.params.id));
  return { contentType: 'application/json', body: item };
};

/** @type {Duplex.AsyncRequestHandler} */
exports.post = function () {
  return Promise.resolve({ status: 204 });
};

/** @type {Duplex.AsyncWebSocketEventHandler} */
exports.webSocketEvent = async function (event) {
  if (event.type === 'message') {
    await find(String(event.message));
  }
};
