// /lib/xp/event: XP's listener and send. A custom event's type gets the
// prefix `custom.`, which listeners name.

/// <reference path="./global.d.ts" />

export interface EnonicEvent<EventData extends object = Record<string, unknown>> {
    type: string;
    /** Milliseconds since the epoch. */
    timestamp: number;
    /** True when this node sent it. */
    localOrigin: boolean;
    distributed: boolean;
    data: EventData;
}

export interface ListenerParams<EventData extends object = Record<string, unknown>> {
    /** The type, or a pattern with `*` (`custom.*`). */
    type: string;
    /** May be async: the next event waits for its Promise. */
    callback: (event: EnonicEvent<EventData>) => void | Promise<void>;
    /** Only events sent on this node. Default false. */
    localOnly?: boolean;
}

export interface SendParams<EventData extends object = Record<string, unknown>> {
    /** Sent as `custom.<type>`; `custom.test` when missing, as in XP. */
    type?: string;
    /** Also to the other nodes of the cluster. Default false. */
    distributed?: boolean;
    data?: EventData;
}

/**
 * Registers a listener; only in main.js (elsewhere it throws). Listeners
 * run one event at a time on main.js's runtime; inside one handling a
 * distributed event, /lib/xp/websocket reaches this node's sockets only.
 */
export declare function listener<EventData extends object = Record<string, unknown>>(params: ListenerParams<EventData>): void;

/**
 * Queues the event for the listeners (and, distributed, the other nodes').
 * Throws when --js-event-queue events already wait, or when the event is
 * longer than --ws-max-message as JSON.
 */
export declare function send<EventData extends object = Record<string, unknown>>(event: SendParams<EventData>): void;
