// /lib/xp/auth as duplex has it: login, logout, getUser and hasRole over the
// users file, and loginAvailable. XP's principal management is not there.

/// <reference path="./global.d.ts" />

export type User = Duplex.User;
export type UserKey = Duplex.UserKey;
export type RoleKey = Duplex.RoleKey;
export type PrincipalKey = Duplex.PrincipalKey;

export interface LoginParams {
    /** Login name or e-mail. */
    user: string;
    password: string;
    /** Default: any. duplex has one, `system`. */
    idProvider?: string;
}

export type LoginResult =
    | { authenticated: true; user: User }
    | { authenticated: false; message: string };

/**
 * Checks the password and, when it is right, sets the session cookie; the
 * rest of the call runs as the new user. Failed attempts are throttled.
 */
export declare function login(params: LoginParams): LoginResult;

/** Ends all of the user's logins and closes their WebSockets (1008). */
export declare function logout(): void;

/** The caller: the request's user, or the user who opened the WebSocket; null when anonymous. */
export declare function getUser(): User | null;

/** `'system.admin'` or `'role:system.admin'`. */
export declare function hasRole(role: string): boolean;

/** False when the server has no users (beyond XP). */
export declare function loginAvailable(): boolean;
