// /lib/xp/context: runs a function as another user, then goes back.
var context = require('/lib/xp/context');
var auth = require('/lib/xp/auth');

function who() {
  var u = auth.getUser();
  return (u ? u.login : 'anonymous') + ' ' + auth.hasRole('auth.admin');
}

exports.get = function (req) {
  var inside = context.run({ user: { login: req.params.as } }, who);
  return { body: inside + ' | ' + who() + ' | ' + context.get().authInfo.principals.join(',') };
};
