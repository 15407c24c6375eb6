/** @type {Duplex.WebSocketEventHandler} */
exports.webSocketEvent = function (event) {
  if (event.type === 'message') {
    // A binary frame arrives as an ArrayBuffer, which JSON.parse does not take.
    log.info(JSON.parse(event.message)); // want TS2345 "Type 'ArrayBuffer' is not assignable to type 'string'"
  }
};
