// In TypeScript, require is typed by the XpLibraries map and import by the paths.
import { sendToGroup } from '/lib/xp/websocket';

const websocket = require('/lib/xp/websocket');

sendToGroup('room', 42); // want TS2345 "Argument of type 'number' is not assignable"
websocket.addToGroup('room'); // want TS2554 "Expected 2 arguments, but got 1"

export function get(req: Duplex.Request): Duplex.Response {
    return { status: req.port, redirect: 303 }; // want TS2322 "Type 'number' is not assignable to type 'string'"
}
