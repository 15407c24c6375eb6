// A TypeScript WebSocket chat, run without a build step.
import { addToGroup, removeFromGroup, send, sendToGroup } from '/lib/xp/websocket';
import { shout } from '../../lib/ts-util';

interface Request { webSocket?: boolean; params: Record<string, string | undefined> }
interface ChatEvent {
  type: 'open' | 'message' | 'close' | 'error';
  session: { id: string };
  data: { name: string };
  message?: string;
}

export function get(req: Request) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  return { webSocket: { data: { name: req.params.name ?? 'anonymous' } } };
}

export function webSocketEvent(event: ChatEvent): void {
  const id = event.session.id;
  switch (event.type) {
    case 'open':
      addToGroup('chat', id);
      send(id, `welcome ${event.data.name}`);
      break;
    case 'message':
      sendToGroup('chat', `${event.data.name}: ${shout(event.message as string)}`);
      break;
    case 'close':
      removeFromGroup('chat', id);
      break;
  }
}
