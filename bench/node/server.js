// The benchmark protocol of cmd/duplex-bench on Node.js + ws.
//   on open: join 'bench', send 'welcome'; 'B:...' -> every member (sender
//   too); 'E:...' -> the sender only. Port: argv[2] or $PORT; 127.0.0.1.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const bench = new Set(); // the group 'bench'

function sendJSON(res, value) {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/hello' && req.method === 'GET') {
    const items = [];
    for (let i = 1; i <= 5; i++) {
      items.push({ id: i, name: 'item ' + i, price: i * 100, active: i % 2 === 1 });
    }
    sendJSON(res, {
      message: 'Hello ' + (url.searchParams.get('name') || 'world'),
      agent: req.headers['user-agent'] || '',
      items,
    });
    return;
  }
  if (url.pathname === '/echo-json' && req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let doc;
      try {
        doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        res.writeHead(400);
        res.end();
        return;
      }
      doc.count += 1;
      doc.customer.name = doc.customer.name.toUpperCase();
      let total = 0;
      for (const it of doc.items) total += it.qty * it.price;
      doc.total = total;
      doc.processed = true;
      sendJSON(res, doc);
    });
    return;
  }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });

wss.on('connection', (ws) => {
  bench.add(ws);
  ws.on('message', (data, isBinary) => {
    if (isBinary || data.length < 2 || data[1] !== 58) return; // ':'
    if (data[0] === 66) { // 'B'
      for (const peer of bench) {
        if (peer.readyState === 1) peer.send(data, { binary: false });
      }
    } else if (data[0] === 69) { // 'E'
      ws.send(data, { binary: false });
    }
  });
  ws.on('close', () => bench.delete(ws));
  ws.on('error', () => bench.delete(ws));
  ws.send('welcome');
});

server.listen(port, '127.0.0.1', () => {
  console.error(JSON.stringify({ message: 'listening', addr: '127.0.0.1:' + port }));
});
