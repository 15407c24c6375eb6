// Dirigible's newest client API is an ES module: sdk/net's websockets.
import { websockets } from "sdk/net";

const handler: string = "my-project/esm-handler";

export function get(req: { params: { uri: string } }) {
    console.log("ESM connect to: " + req.params.uri);
    const websocket = websockets.createWebsocket(req.params.uri, handler);
    websocket.send("hello from ESM");
    websockets.getClientByHandler(handler).close();
    return { body: { clients: websockets.getClients() } };
}
