// The globals of every duplex script and the objects controllers get and
// return (namespace Duplex). A script file, not a module: its names are
// global, as they are in duplex.

/**
 * The modules `require` knows by path, as `@enonic-types/global`'s
 * XpLibraries: `require('/lib/xp/websocket')` is typed by this map.
 * Declare your own libraries in it with declaration merging:
 * `interface XpLibraries { '/lib/greet': typeof import('./lib/greet') }`.
 */
interface XpLibraries {
    '/lib/xp/websocket': typeof import('./lib-xp-websocket');
    '/lib/xp/auth': typeof import('./lib-xp-auth');
    '/lib/xp/context': typeof import('./lib-xp-context');
    '/lib/xp/portal': typeof import('./lib-xp-portal');
    '/lib/xp/event': typeof import('./lib-xp-event');
    '/lib/http-client': typeof import('./lib-http-client');
    '/lib/xp/http-client': typeof import('./lib-xp-http-client');
}

/**
 * `require(path)`: a module of the application (`/`-absolute, or relative to
 * the requiring file; `.js`, `/index.js`, `.json` and `/index.json` are
 * tried) or one duplex provides. Exactly one argument.
 */
type XpRequire = <Path extends keyof XpLibraries | (string & {})>(path: Path) =>
    Path extends keyof XpLibraries ? XpLibraries[Path] : unknown;

declare const require: XpRequire;

/** The application's path of `path`, resolved as `require` resolves it (no extension is added). */
declare const resolve: (path: string) => string;

/** The module's exports; `module.exports = ...` replaces them. */
declare var exports: any;
declare var module: { id: string; exports: any };

/** The application: `name`, `version` and `config` from its `app.json`. */
declare const app: Duplex.App;

/**
 * The module's logger: `%s` takes the next argument, objects print as JSON,
 * and each line is tagged with the module's path. XP's levels: there is no
 * `log.warn`.
 */
declare const log: Duplex.Log;

/** XP's Java bridge, of which duplex keeps the conversion helpers (identities here). */
declare const __: Duplex.DoubleUnderscore;

// Merges with lib.dom's Console when a project includes it, rather than
// clashing with it.
interface Console {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    trace(...args: unknown[]): void;
}

/** Writes through the server's log, arguments joined with spaces, objects as JSON. */
declare var console: Console;

declare namespace Duplex {
    /** `app.config`: the `config` object of `app.json`. Merge your keys in to type them. */
    interface AppConfig {
        [key: string]: unknown;
    }

    interface App {
        name: string;
        version: string;
        config: AppConfig;
    }

    interface Log {
        debug(message?: unknown, ...args: unknown[]): void;
        info(message?: unknown, ...args: unknown[]): void;
        warning(message?: unknown, ...args: unknown[]): void;
        error(message?: unknown, ...args: unknown[]): void;
    }

    interface DoubleUnderscore {
        /** Returns its argument: duplex has no Java objects to convert. */
        toNativeObject<T>(value: T): T;
        /** Returns its argument: duplex has no Java objects to convert. */
        toScriptValue<T>(value: T): T;
        /** Returns its argument. */
        nullOrValue<T>(value: T): T;
        /**
         * Runs callback when the application stops (and before a `--dev`
         * reload); one per script, a later call replaces it. It may be
         * async.
         */
        disposer(callback: () => void | Promise<void>): void;
        /** Always throws: there are no Java beans in duplex. */
        newBean(className: string): never;
    }

    type UserKey = `user:${string}:${string}`;
    type GroupKey = `group:${string}:${string}`;
    type RoleKey = `role:${string}`;
    type PrincipalKey = UserKey | GroupKey | RoleKey;

    /** A user as `/lib/xp/auth` and `/lib/xp/context` show it. */
    interface User {
        type: 'user';
        key: UserKey;
        displayName: string;
        /** When the user was last changed, as Java's `Instant.toString()`. */
        modifiedTime: string;
        disabled: boolean;
        /** Absent when the user has none. */
        email?: string;
        login: string;
        idProvider: string;
    }

    /** A query or form parameter: a string, or an array when the name repeats. */
    type Params = Record<string, string | string[] | undefined>;

    type RequestMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE';

    /** XP's request object, as duplex fills it. */
    interface Request {
        /** Upper case; a HEAD request runs `get`. */
        method: RequestMethod;
        /** `https` over `--tls-cert`; behind a proxy in `--trust-proxy`, as it forwarded (so are `host`, `port` and `url`). */
        scheme: 'http' | 'https';
        host: string;
        port: number;
        /** The path as sent, percent-encoded. */
        path: string;
        /** The decoded path. */
        rawPath: string;
        url: string;
        /** The client's IP address; behind a proxy in `--trust-proxy`, the one it forwarded. */
        remoteAddress: string;
        mode: 'live';
        /** True for a WebSocket upgrade request: return `{webSocket: ...}` to accept it. */
        webSocket: boolean;
        /** Where the controller is mounted (a service's `/_/service/<app>/<name>`, a webapp's base). */
        contextPath?: string;
        /** Present when the request has a Content-Type. */
        contentType?: string;
        /** Present for `text/*` and `application/json` bodies only. */
        body?: string;
        /** From the query string and from url-encoded form bodies. */
        params: Params;
        /** One value per name; names match without regard to case. */
        headers: Record<string, string | undefined>;
        cookies: Record<string, string | undefined>;
        /** A header's first value, by a name in any case; null when absent. */
        getHeader(name: string): string | null;
    }

    interface Cookie {
        value?: string;
        path?: string;
        domain?: string;
        /** Seconds; 0 deletes the cookie, -1 makes it a session cookie. */
        maxAge?: number;
        secure?: boolean;
        httpOnly?: boolean;
        sameSite?: 'lax' | 'strict' | 'none' | 'Lax' | 'Strict' | 'None';
    }

    /** Accepts an upgrade request. */
    interface WebSocketConfig {
        /** Handed to every event of the session as `event.data`; values become strings, objects JSON. */
        data?: Record<string, unknown>;
        /** The sub-protocols offered; the first the client asked for is chosen. */
        subProtocols?: string | string[];
    }

    /**
     * A string as it is; an object or array as JSON; an `ArrayBuffer` or
     * typed array as bytes.
     */
    type ResponseBody = string | number | boolean | object | null;

    /** What a controller returns; every field is optional. */
    interface Response {
        /** Default 200; a 4xx or 5xx without a body gets the error page. */
        status?: number;
        body?: ResponseBody;
        /** Default `text/html; charset=utf-8`, or JSON for an object body. */
        contentType?: string;
        /** An array sets the header once per element; null or undefined leaves it out. */
        headers?: Record<string, string | number | boolean | (string | number | boolean)[] | null | undefined>;
        cookies?: Record<string, string | Cookie | null | undefined>;
        /** Answers 303 with this Location. */
        redirect?: string;
        /** For an upgrade request (`req.webSocket`): accept the WebSocket. */
        webSocket?: WebSocketConfig | true;
    }

    type HandlerResult = Response | null | undefined | void;
    type RequestHandler = (req: Request) => HandlerResult;
    /**
     * An async handler: duplex awaits the Promise it returns. There are no
     * timers or I/O events, so one still pending once the handler's code
     * has run never settles, and the call fails.
     */
    type AsyncRequestHandler = (req: Request) => Promise<HandlerResult>;

    /** `event.session`. */
    interface WebSocketSession {
        /** Random, and unique across the cluster. */
        id: string;
        /** The decoded path of the upgrade request. */
        path: string;
        /** The upgrade request's query parameters. */
        params: Params;
        /** The user who opened the session; absent for anonymous sessions. */
        user?: Omit<User, 'type'>;
    }

    /** `event.data`: what `get` returned in `webSocket.data`, every value a string. */
    type WebSocketData = Record<string, string | undefined>;

    interface WebSocketEventBase<Data extends WebSocketData> {
        session: WebSocketSession;
        data: Data;
    }

    interface WebSocketOpenEvent<Data extends WebSocketData = WebSocketData> extends WebSocketEventBase<Data> {
        type: 'open';
        message?: undefined;
        closeReason?: undefined;
        error?: undefined;
    }

    interface WebSocketMessageEvent<Data extends WebSocketData = WebSocketData> extends WebSocketEventBase<Data> {
        type: 'message';
        /** Text frames as a string, binary frames as an ArrayBuffer. */
        message: string | ArrayBuffer;
        closeReason?: undefined;
        error?: undefined;
    }

    interface WebSocketCloseEvent<Data extends WebSocketData = WebSocketData> extends WebSocketEventBase<Data> {
        type: 'close';
        message?: undefined;
        /** The close code (1000, 1001, 1006...). */
        closeReason: number;
        error?: undefined;
    }

    interface WebSocketErrorEvent<Data extends WebSocketData = WebSocketData> extends WebSocketEventBase<Data> {
        type: 'error';
        message?: undefined;
        closeReason?: undefined;
        /** The error's message. */
        error?: string;
    }

    /**
     * What `webSocketEvent` receives. `type` tells which fields are there:
     * compare it (`event.type === 'message'`) and the event narrows.
     */
    type WebSocketEvent<Data extends WebSocketData = WebSocketData> =
        | WebSocketOpenEvent<Data>
        | WebSocketMessageEvent<Data>
        | WebSocketCloseEvent<Data>
        | WebSocketErrorEvent<Data>;

    type WebSocketEventType = WebSocketEvent['type'];

    type WebSocketEventHandler<Data extends WebSocketData = WebSocketData> = (event: WebSocketEvent<Data>) => void;
    /** An async webSocketEvent, awaited as an AsyncRequestHandler is. */
    type AsyncWebSocketEventHandler<Data extends WebSocketData = WebSocketData> = (event: WebSocketEvent<Data>) => Promise<void>;

    /** The exports of a service or webapp controller. */
    interface Controller<Data extends WebSocketData = WebSocketData> {
        get?: RequestHandler | AsyncRequestHandler;
        post?: RequestHandler | AsyncRequestHandler;
        put?: RequestHandler | AsyncRequestHandler;
        delete?: RequestHandler | AsyncRequestHandler;
        patch?: RequestHandler | AsyncRequestHandler;
        options?: RequestHandler | AsyncRequestHandler;
        trace?: RequestHandler | AsyncRequestHandler;
        /** Called when the method has no export of its own. */
        all?: RequestHandler | AsyncRequestHandler;
        webSocketEvent?: WebSocketEventHandler<Data> | AsyncWebSocketEventHandler<Data>;
    }

    /** What `error/error.js`'s `handle<status>` and `handleError` receive. */
    interface ErrorRequest {
        status: number;
        message: string;
        request: Request;
        /** When the controller threw: its message and JavaScript stack. */
        exception?: { message: string; stack: string };
    }

    type ErrorHandler = (err: ErrorRequest) => HandlerResult;
    /** An async handle<status> or handleError, awaited as an AsyncRequestHandler is. */
    type AsyncErrorHandler = (err: ErrorRequest) => Promise<HandlerResult>;
}
