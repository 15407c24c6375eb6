var eventLib = require('/lib/xp/event');

eventLib.listener({ type: 'custom.chat.*' }); // want TS2345 "Property 'callback' is missing"
eventLib.send({ type: 'chat.message', distributed: 'yes' }); // want TS2322 "Type 'string' is not assignable to type 'boolean | undefined'"
