/** @type {Duplex.WebSocketEventHandler} */
exports.webSocketEvent = function (event) {
  log.info(event.session.nonexistent); // want TS2339 "Property 'nonexistent' does not exist on type 'WebSocketSession'"
};
