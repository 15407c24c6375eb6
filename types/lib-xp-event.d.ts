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
    callback: (event: EnonicEvent<EventData>) => void;
    /** Only events sent on this node. Default false. */
    localOnly?: boolean;
}

export interface SendParams<EventData extends object = Record<string, unknown>> {
    /** Sent as `custom.<type>`. */
    type: string;
    /** Also to the other nodes of the cluster. Default false. */
    distributed?: boolean;
    data?: EventData;
}

export declare function listener<EventData extends object = Record<string, unknown>>(params: ListenerParams<EventData>): void;

export declare function send<EventData extends object = Record<string, unknown>>(event: SendParams<EventData>): void;
