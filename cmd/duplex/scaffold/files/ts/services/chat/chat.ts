// A WebSocket chat: whatever one session sends goes to every session. The
// page (webapp/webapp.ts) connects to ws://HOST/.../_/service/<app>/chat?name=NAME.
import { addToGroup, removeFromGroup, sendToGroup } from '/lib/xp/websocket';

const ROOM = 'chat';

type ChatData = { name: string };

export function get(req: Duplex.Request): Duplex.Response {
  if (!req.webSocket) {
    return { status: 426, headers: { Upgrade: 'websocket' }, body: { message: 'Connect with a WebSocket.' } };
  }
  const name = typeof req.params.name === 'string' && req.params.name ? req.params.name.slice(0, 40) : 'anonymous';
  return { webSocket: { data: { name } } };
}

export function webSocketEvent(event: Duplex.WebSocketEvent<ChatData>): void {
  const { id } = event.session;
  const { name } = event.data;
  switch (event.type) {
    case 'open':
      addToGroup(ROOM, id);
      sendToGroup(ROOM, `${name} joined`);
      break;
    case 'message':
      if (typeof event.message === 'string') {
        sendToGroup(ROOM, `${name}: ${event.message}`);
      }
      break;
    case 'close':
      removeFromGroup(ROOM, id);
      sendToGroup(ROOM, `${name} left`);
      break;
  }
}
