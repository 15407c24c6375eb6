// /lib/xp/http-client is /lib/http-client under the name of
// lib-http-client's older documentation.

export * from './lib-http-client';
