// /lib/xp/websocket: XP's five functions, and getGroupMembers and close.
// Unknown ids and groups are ignored (or count 0), as in XP.

/// <reference path="./global.d.ts" />

/**
 * What `send` and `sendToGroup` take: a string as a text frame, an
 * `ArrayBuffer` or typed array as a binary frame, any other object as JSON
 * text.
 */
export type Message = string | ArrayBuffer | ArrayBufferView | object;

/** Sends to one session, of this node or another one of the cluster. */
export declare function send(id: string, message: Message): void;

/** Sends to every member of the group, on every node. */
export declare function sendToGroup(group: string, message: Message): void;

export declare function addToGroup(group: string, id: string): void;

export declare function removeFromGroup(group: string, id: string): void;

/** Counts the members on every node of the cluster; 0 for an unknown group. */
export declare function getGroupSize(group: string): number;

/** The ids of the group's members (beyond XP). */
export declare function getGroupMembers(group: string): string[];

/** Closes a session (beyond XP): `code` defaults to 1000, `reason` to none. */
export declare function close(id: string, code?: number, reason?: string): void;
