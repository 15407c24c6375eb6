var portal = require('/lib/xp/portal');

portal.serviceUrl({ type: 'websocket' }); // want TS2345 "Property 'service' is missing"
portal.assetUrl({ path: 'chat.css', type: 'websocket' }); // want TS2322 "is not assignable to type 'UrlType | undefined'"
portal.pageUrl({ path: '/' }); // want TS2339 "Property 'pageUrl' does not exist"
