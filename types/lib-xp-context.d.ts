// /lib/xp/context: XP's get and run. duplex has no content repositories;
// repository and branch are XP's defaults, kept for code that passes them.

/// <reference path="./global.d.ts" />

export type User = Duplex.User;
export type PrincipalKey = Duplex.PrincipalKey;

export interface AuthInfo {
    /** Absent when anonymous. */
    user?: User;
    principals: PrincipalKey[];
}

export interface Context {
    branch: string;
    repository: string;
    authInfo: AuthInfo;
    /** The scalar attributes only. */
    attributes: Record<string, string | number | boolean>;
}

export interface ContextParams {
    repository?: string;
    branch?: string;
    /** Run as this user of the users file, without a password (unknown or disabled: anonymous). */
    user?: { login: string; idProvider?: string };
    /** Added to the run's user's. */
    principals?: PrincipalKey[];
    /** Added to the caller's. */
    attributes?: Record<string, unknown>;
}

export declare function get(): Context;

/** Calls `callback` in the context, and restores the caller's after, even when it throws. */
export declare function run<T>(context: ContextParams, callback: () => T): T;
