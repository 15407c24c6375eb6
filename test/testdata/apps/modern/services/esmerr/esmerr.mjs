import { send } from '/lib/xp/websocket';

export function get() {
  const unused = send;
  return { body: String(missingThing) };
}
