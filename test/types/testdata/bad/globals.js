log.warn('XP has log.warning, not log.warn'); // want TS2339 "Property 'warn' does not exist on type 'Log'"
log.info(app.nam); // want TS2551 "Did you mean 'name'?"
__.registerMock('x', {}); // want TS2339 "Property 'registerMock' does not exist"
require('/lib/rooms', 'second'); // want TS2554 "Expected 1 arguments, but got 2"
