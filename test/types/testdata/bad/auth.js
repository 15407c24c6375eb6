var auth = require('/lib/xp/auth');

auth.getPrincipal('user:system:alice'); // want TS2339 "Property 'getPrincipal' does not exist"
auth.login({ user: 'alice', skipAuth: true }); // want TS2353 "'skipAuth' does not exist in type 'LoginParams'"
log.info(auth.getUser().login); // want TS2531 "Object is possibly 'null'"
