// Target of the hostile-input tests (test/security_*_test.go).
//
// HTTP: any method answers a JSON description of the request's params and
// of the X-Probe header; a POST body starting with "[" or "{" is handed to
// JSON.parse and the outcome reported (a JSON bomb must fail as an
// exception the script can catch).
//
// WebSocket: every event is logged as "hev {json}". Messages:
//   "loop"     while (true) {}                    (stopped by --js-timeout)
//   "recurse"  unbounded recursion                 (stopped by --js-max-stack)
//   "regexp"   /^(a|aa)+\1$/ on 'a' x 40 + 'b'     (stopped by --js-regexp-timeout)
//   "[..." / "{..."  JSON.parse, reports "json:<name>:<message>" or "json:ok"
//   "describe" the session's params and the data get() stored
//   anything else is echoed.
var ws = require('/lib/xp/websocket');

function parseReport(text) {
  try {
    JSON.parse(text);
    return { ok: true };
  } catch (e) {
    return { ok: false, name: e.name, message: String(e.message) };
  }
}

function describeRequest(req) {
  var d = {
    params: req.params,
    probe: req.getHeader('X-Probe'),
    method: req.method
  };
  if (req.body !== undefined && /^[\[{]/.test(req.body)) {
    d.json = parseReport(req.body);
  }
  return d;
}

exports.all = function (req) {
  if (req.webSocket) {
    var probe = req.getHeader('X-Probe');
    return {
      webSocket: {
        data: { probe: probe === undefined || probe === null ? '' : String(probe) }
      }
    };
  }
  return { body: describeRequest(req) };
};

function logEvent(event) {
  var e = { type: event.type, id: event.session.id, tag: event.session.params.tag };
  if (event.closeReason !== undefined) {
    e.closeReason = event.closeReason;
  }
  if (event.error !== undefined) {
    e.error = String(event.error);
  }
  log.info('hev %s', JSON.stringify(e));
}

function recurse(n) {
  return recurse(n + 1) + 1;
}

exports.webSocketEvent = function (event) {
  var id = event.session.id;
  logEvent(event);
  if (event.type == 'open') {
    ws.send(id, 'open:' + id);
    return;
  }
  if (event.type != 'message') {
    return;
  }
  var m = event.message;
  if (typeof m !== 'string') {
    ws.send(id, m);
    return;
  }
  if (m == 'loop') {
    while (true) {}
  }
  if (m == 'recurse') {
    recurse(0);
    return;
  }
  if (m == 'regexp') {
    var start = Date.now();
    var matched = /^(a|aa)+\1$/.test(new Array(41).join('a') + 'b');
    ws.send(id, 'regexp:' + matched + ':' + (Date.now() - start));
    return;
  }
  if (m.charAt(0) == '[' || m.charAt(0) == '{') {
    var r = parseReport(m);
    ws.send(id, r.ok ? 'json:ok' : 'json:' + r.name + ':' + r.message);
    return;
  }
  if (m == 'describe') {
    ws.send(id, JSON.stringify({ params: event.session.params, data: event.data }));
    return;
  }
  ws.send(id, m);
};
