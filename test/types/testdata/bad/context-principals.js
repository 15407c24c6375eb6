var context = require('/lib/xp/context');

// A role's principal key has the 'role:' prefix; hasRole adds it, run does not.
context.run({ principals: ['chat.moderator'] }, function () {}); // want TS2322 "is not assignable to type 'PrincipalKey'"
