// An Eclipse Dirigible handler module (a *.websocket descriptor names it).
var websockets = require('net/websockets');
var globals = require('core/globals');

exports.onOpen = function () {
  globals.set('opened', (globals.get('opened') || 0) + 1);
  console.log('Connection opened by', websockets.getMethod());
};

/** @param {string} message */
exports.onMessage = function (message) {
  return message.toUpperCase();
};

/** @param {string} error */
exports.onError = async function (error) {
  await null;
  console.error('Error: ' + error);
};

exports.onClose = function () {
  var client = websockets.getClientByHandler('typedchat/handlers/upper');
  if (client !== null) {
    client.send('bye from ' + client.uri);
  }
  console.warn('Connection closed.');
};
