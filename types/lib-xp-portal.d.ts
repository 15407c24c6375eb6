// /lib/xp/portal: the URLs a controller hands to a browser, built from the
// request the call serves (for a WebSocket event, the upgrade request).
// duplex has no sites or content: only the URL functions that make sense
// without them.

/// <reference path="./global.d.ts" />

/** `server`: a path (the default); `absolute`: `http[s]://host[:port]...`. */
export type UrlType = 'server' | 'absolute';

/** Query parameters: an array repeats the name; null and undefined are left out. */
export type QueryParams = object;

export interface ServiceUrlParams {
    service: string;
    /** Default: the calling application. */
    application?: string;
    /** `websocket` gives `ws[s]://host[:port]...`. */
    type?: UrlType | 'websocket';
    params?: QueryParams;
}

/** The service's URL below where the calling controller is mounted. */
export declare function serviceUrl(params: ServiceUrlParams): string;

export interface AssetUrlParams {
    path: string;
    application?: string;
    type?: UrlType;
    params?: QueryParams;
}

/** `.../_/asset/<app>:<fingerprint>/<path>`; the fingerprint changes when the application is loaded again. */
export declare function assetUrl(params: AssetUrlParams): string;

export interface UrlParams {
    path: string;
    type?: UrlType | 'websocket';
    params?: QueryParams;
}

/** As XP's `url()`: the URL of `path`, with `params` as its query. */
export declare function url(params: UrlParams): string;

export interface LoginUrlParams {
    idProvider?: string;
    /** Where to go after the login. */
    redirect?: string;
    /** As XP's: `vhost` (the default) or `relative`. */
    contextPath?: string;
    type?: UrlType;
    params?: QueryParams;
}

export declare function loginUrl(params: LoginUrlParams): string;

export interface LogoutUrlParams {
    redirect?: string;
    contextPath?: string;
    type?: UrlType;
    params?: QueryParams;
}

export declare function logoutUrl(params: LogoutUrlParams): string;

export interface IdProviderUrlParams {
    idProvider?: string;
    contextPath?: string;
    type?: UrlType;
    params?: QueryParams;
}

export declare function idProviderUrl(params: IdProviderUrlParams): string;
