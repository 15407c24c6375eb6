// Eclipse Dirigible's modules that duplex provides, by their bare names. A
// script file: bare names can be declared as ambient modules, which XP's
// `/lib/...` paths (rooted, so "relative" to TypeScript) cannot.

interface XpLibraries {
    'net/websockets': typeof import('net/websockets');
    'net/v4/websockets': typeof import('net/v4/websockets');
    'sdk/net': typeof import('sdk/net');
    'net/websocket': typeof import('net/websocket');
    'core/context': typeof import('core/context');
    'core/globals': typeof import('core/globals');
}

declare module 'net/websockets' {
    /** An outbound client; its events go to its handler module. */
    export interface WebsocketClient {
        id: string;
        uri: string;
        /** The handler module, `"my-project/ws-handler"`. */
        handler: string;
        engine: 'javascript';
        send(text: string): void;
        close(): void;
    }

    export interface ClientInfo {
        id: string;
        uri: string;
        handler: string;
    }

    /** The exports of a handler module; a missing one is skipped. Each may be async. */
    export interface Handler {
        onOpen?(): void | Promise<void>;
        /** What it returns (or its Promise settles to) is sent back: a string as it is, anything else as JSON. */
        onMessage?(message: string): unknown;
        onError?(error: string): void | Promise<void>;
        onClose?(): void | Promise<void>;
    }

    /**
     * Connects to a `ws://` or `wss://` URI and returns once the handshake
     * is done and the handler's onOpen ran. Throws when the outbound policy
     * refuses the address, the connection fails or `--ws-max-clients` is
     * reached. `engine` is ignored.
     */
    export function createWebsocket(uri: string, handler: string, engine?: string): WebsocketClient;
    export function getClients(): ClientInfo[];
    export function getClient(id: string): WebsocketClient | null;
    export function getClientByHandler(handler: string): WebsocketClient | null;

    /** The event a handler module runs for; null outside one. */
    export function getMethod(): 'onopen' | 'onmessage' | 'onerror' | 'onclose' | null;
    export function getMessage(): string | null;
    export function getError(): string | null;
    export function isOnOpen(): boolean;
    export function isOnMessage(): boolean;
    export function isOnError(): boolean;
    export function isOnClose(): boolean;
}

declare module 'net/v4/websockets' {
    export * from 'net/websockets';
}

declare module 'sdk/net' {
    export const websockets: typeof import('net/websockets');
}

declare module 'net/websocket' {
    /** A session of the service channel (`--dirigible-v2`). */
    export interface WebsocketSession {
        /** Throws when the session is closed. */
        sendText(text: string): void;
        sendTextAsync(text: string): void;
        getId(): string;
        /** Sends what was queued, then closes with 1000. */
        close(): void;
    }

    /** The session of the channel request being run; null outside one. */
    export function getSession(): WebsocketSession | null;
    export function getOpenSessions(): WebsocketSession[];
}

declare module 'core/context' {
    /** On the service channel, a request parameter (a string); null when absent. */
    export function get(name: string): any;
    export function set(name: string, value: unknown): void;
}

declare module 'core/globals' {
    /**
     * One store per application. Values are copies: an object or array a
     * call set or got is written back when the call ends, if it changed.
     */
    export function get(name: string): any;
    export function set(name: string, value: unknown): void;
}
