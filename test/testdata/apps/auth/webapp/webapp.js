// A page that hands the browser the id provider's URLs, as XP pages do
// (/webapp/auth/links), and one that tells who is signed in
// (/webapp/auth/after, where the login link sends the browser back).
var portal = require('/lib/xp/portal');
var auth = require('/lib/xp/auth');

exports.get = function (req) {
  if (/\/after$/.test(req.path)) {
    return { body: { user: auth.getUser() } };
  }
  return {
    body: {
      login: portal.loginUrl({ redirect: '/webapp/auth/after' }),
      logout: portal.logoutUrl({ redirect: '/webapp/auth/after' }),
      idProvider: portal.idProviderUrl(),
      url: portal.url({ path: '/webapp/auth/after', type: 'absolute' })
    }
  };
};
