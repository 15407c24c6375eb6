// The chat page: it hands the browser the service's ws:// URL, and links
// to the system id provider's login and logout.
var portalLib = require('/lib/xp/portal');
var contextLib = require('/lib/xp/context');
var httpClient = require('/lib/http-client');

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}

// The message of the day, from the service app.config.motdUrl names.
function messageOfTheDay() {
  if (!app.config.motdUrl) {
    return '';
  }
  try {
    var res = httpClient.request({ url: app.config.motdUrl, connectionTimeout: 2000, readTimeout: 2000 });
    return res.status === 200 ? '<p id="motd">' + escapeHtml(res.body) + '</p>' : '';
  } catch (e) {
    log.warning('No message of the day: %s', e.message);
    return '';
  }
}

exports.get = function (req) {
  if (req.path !== req.contextPath && req.path !== req.contextPath + '/') {
    return { status: 404 };
  }
  var user = contextLib.get().authInfo.user;
  var body = messageOfTheDay();
  if (user) {
    body += '<p id="who">Signed in as <b id="user">' + escapeHtml(user.displayName) + '</b> · ' +
      '<a id="logout" href="' + escapeHtml(portalLib.logoutUrl({ redirect: req.url })) + '">Log out</a></p>' +
      '<ul id="messages"></ul>' +
      '<form id="composer"><input id="text" autocomplete="off"><button id="send">Send</button></form>' +
      '<script id="chat" data-url="' + escapeHtml(portalLib.serviceUrl({ service: 'chat', type: 'websocket' })) + '" ' +
      'src="' + escapeHtml(portalLib.assetUrl({ path: 'chat.js' })) + '"></script>';
  } else {
    body += '<p><a id="login" href="' + escapeHtml(portalLib.loginUrl({ redirect: req.url })) + '">Log in to chat</a></p>';
  }
  return {
    contentType: 'text/html',
    body: '<!doctype html><html><head><meta charset="utf-8"><title>XP chat</title><link rel="icon" href="data:,"></head><body>' + body + '</body></html>'
  };
};
