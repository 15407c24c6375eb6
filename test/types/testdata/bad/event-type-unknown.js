/** @param {Duplex.WebSocketEvent} event */
exports.webSocketEvent = function (event) {
  if (event.type === 'opened') { // want TS2367 "have no overlap"
    log.info('never');
  }
};
