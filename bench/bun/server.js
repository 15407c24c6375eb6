// The benchmark protocol of cmd/duplex-bench on Bun (uWebSockets pub/sub).
//   on open: subscribe 'bench', send 'welcome'; 'B:...' -> every member,
//   sender too: server.publish reaches every subscriber including the
//   sender (ws.publish would skip it); 'E:...' -> the sender only.
// Port: argv[2] or $PORT; 127.0.0.1.
const port = Number(process.argv[2] || process.env.PORT || 8080);

const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  fetch(req, server) {
    if (server.upgrade(req)) return;
    return new Response('not found', { status: 404 });
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: 0,
    maxPayloadLength: 64 * 1024,
    open(ws) {
      ws.subscribe('bench');
      ws.send('welcome');
    },
    message(ws, msg) {
      if (typeof msg !== 'string' || msg.charCodeAt(1) !== 58) return;
      const c = msg.charCodeAt(0);
      if (c === 66) server.publish('bench', msg); // 'B'
      else if (c === 69) ws.send(msg); // 'E'
    },
  },
});
console.error(JSON.stringify({ message: 'listening', addr: server.hostname + ':' + server.port }));
