// /lib/http-client (also /lib/xp/http-client): XP's lib-http-client
// request(), through the server's outbound policy. There are no streams:
// no bodyStream, and no proxy or certificates (refused with an error).

/// <reference path="./global.d.ts" />

/** A parameter's value; an array repeats the name, null and undefined are left out. */
export type ParamValue = string | number | boolean | null | undefined | (string | number | boolean)[];

export interface HttpRequestMultipartPart {
    name: string;
    value: string;
    fileName?: string;
    contentType?: string;
}

export interface HttpRequestParams {
    /** `http://` or `https://`. */
    url: string;
    /** Default GET. */
    method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE' | (string & {});
    queryParams?: Record<string, ParamValue>;
    /** Added to the query for GET and HEAD, otherwise sent as a form body. */
    params?: Record<string, ParamValue>;
    headers?: Record<string, string>;
    /** Milliseconds; default 10000. */
    connectionTimeout?: number;
    /** Milliseconds; default 10000. */
    readTimeout?: number;
    body?: string;
    contentType?: string;
    multipart?: HttpRequestMultipartPart[];
    /** HTTP Basic. */
    auth?: { user: string; password?: string };
    /** Default true. */
    followRedirects?: boolean;
    /** Accepted and ignored. */
    disableHttp2?: boolean;
}

export interface HttpResponseCookie {
    name: string;
    value: string;
    path: string;
    domain: string;
    /** RFC 3339, UTC; absent for a session cookie. */
    expires?: string;
    secure: boolean;
    httpOnly: boolean;
}

export interface HttpResponse {
    status: number;
    message: string;
    /** Null when the response is not text (text/*, JSON, XML, JavaScript, forms). */
    body: string | null;
    /** Absent when the response has none. */
    contentType?: string;
    /** Lower-case names; a repeated header is an array. */
    headers: Record<string, string | string[] | undefined>;
    cookies: HttpResponseCookie[];
}

/**
 * Sends the request and waits for the response. Throws when the outbound
 * policy refuses the address, on a timeout, and past 10 MB of body.
 */
export declare function request(params: HttpRequestParams): HttpResponse;
