// Test service for the WebSocket end-to-end tests: echoes, describes the
// events it gets and logs every event as "wsev {json}".
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  return {
    webSocket: {
      data: { n: 42, s: 'str', b: true },
      subProtocols: 'echo'
    }
  };
};

function has(o, k) {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function describe(event) {
  return {
    type: event.type,
    keys: Object.keys(event).sort(),
    sessionKeys: Object.keys(event.session).sort(),
    session: event.session,
    data: event.data,
    dataTypes: Object.keys(event.data).sort().map(function (k) { return k + ':' + typeof event.data[k]; }),
    message: event.message,
    messageType: typeof event.message
  };
}

function logEvent(event) {
  var e = {
    type: event.type,
    id: event.session.id,
    params: event.session.params,
    keys: Object.keys(event).sort()
  };
  if (has(event, 'closeReason')) {
    e.closeReason = event.closeReason;
    e.closeReasonType = typeof event.closeReason;
  }
  if (has(event, 'error')) {
    e.error = event.error;
    e.errorType = typeof event.error;
  }
  log.info('wsev %s', JSON.stringify(e));
}

exports.webSocketEvent = function (event) {
  var id = event.session.id;
  var p = event.session.params;
  logEvent(event);

  if (event.type == 'open') {
    if (p.throwOnOpen) {
      throw new Error('open-boom');
    }
    ws.send(id, JSON.stringify(describe(event)));
    return;
  }

  if (event.type == 'message') {
    var m = event.message;
    if (typeof m !== 'string') {
      if (m instanceof ArrayBuffer) {
        ws.send(id, m);
      } else {
        ws.send(id, 'not an ArrayBuffer: ' + Object.prototype.toString.call(m));
      }
      return;
    }
    if (m == 'throw') {
      throw new Error('message-boom');
    }
    if (m == 'describe') {
      ws.send(id, JSON.stringify(describe(event)));
      return;
    }
    if (m == 'mutate') {
      event.data.s = 'mutated';
      event.data.extra = 'added';
      event.session.params.injected = 'yes';
      event.session.path = '/mutated';
      ws.send(id, 'mutated');
      return;
    }
    if (m == 'typed') {
      // A view into the middle of a buffer: only bytes 1, 2, 3 must go out.
      ws.send(id, new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4));
      return;
    }
    if (m == 'object') {
      // Documented to go as JSON text; it once panicked in Go.
      ws.send(id, { a: 1, b: [true, null], s: 'x' });
      return;
    }
    if (m == 'buffer') {
      var b = new Uint8Array([0, 255, 128, 7]);
      ws.send(id, b.buffer);
      return;
    }
    if (m == 'closeme') {
      ws.close(id, 4321, 'bye now');
      return;
    }
    ws.send(id, m);
    return;
  }

  if (event.type == 'error') {
    if (p.throwInError) {
      throw new Error('error-handler-boom');
    }
    return;
  }

  if (event.type == 'close') {
    if (p.throwInClose) {
      throw new Error('close-handler-boom');
    }
  }
};
