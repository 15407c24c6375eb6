// The benchmark protocol of cmd/duplex-bench on Node.js + ws.
//   on open: join 'bench', send 'welcome'; 'B:...' -> every member (sender
//   too); 'E:...' -> the sender only. Port: argv[2] or $PORT; 127.0.0.1.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const bench = new Set(); // the group 'bench'

const server = http.createServer((req, res) => {
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
