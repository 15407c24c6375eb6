// The benchmark protocol of cmd/duplex-bench on Bun (uWebSockets pub/sub).
//   on open: subscribe 'bench', send 'welcome'; 'B:...' -> every member,
//   sender too: server.publish reaches every subscriber including the
//   sender (ws.publish would skip it); 'E:...' -> the sender only.
// HTTP (the scenarios http and http-json; the same handlers as
// ../app/services/hello and ../app/services/echo-json):
//   GET /hello?name=X  -> {message, agent, items: [5 small objects]}
//   POST /echo-json    -> the JSON document, count + 1, customer.name upper
//                         case, total and processed added
// Port: argv[2] or $PORT; 127.0.0.1.
const port = Number(process.argv[2] || process.env.PORT || 8080);

const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  fetch(req, server) {
    if (server.upgrade(req)) return; // first, as before the HTTP routes
    const url = new URL(req.url);
    if (url.pathname === '/hello' && req.method === 'GET') {
      const items = [];
      for (let i = 1; i <= 5; i++) {
        items.push({ id: i, name: 'item ' + i, price: i * 100, active: i % 2 === 1 });
      }
      return Response.json({
        message: 'Hello ' + (url.searchParams.get('name') || 'world'),
        agent: req.headers.get('user-agent') || '',
        items,
      });
    }
    if (url.pathname === '/echo-json' && req.method === 'POST') {
      return req.json().then((doc) => {
        doc.count += 1;
        doc.customer.name = doc.customer.name.toUpperCase();
        let total = 0;
        for (const it of doc.items) total += it.qty * it.price;
        doc.total = total;
        doc.processed = true;
        return Response.json(doc);
      });
    }
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
