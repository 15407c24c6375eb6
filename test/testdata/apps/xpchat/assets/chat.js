// The browser side: one socket to the chat service.
(function () {
  var url = document.getElementById('chat').getAttribute('data-url');
  var list = document.getElementById('messages');
  var text = document.getElementById('text');
  var socket = new WebSocket(url, ['text']);
  document.body.setAttribute('data-state', 'connecting');
  socket.onopen = function () { document.body.setAttribute('data-state', 'open'); };
  socket.onclose = function () { document.body.setAttribute('data-state', 'closed'); };
  socket.onmessage = function (e) {
    var li = document.createElement('li');
    try {
      var m = JSON.parse(e.data);
      li.className = 'message';
      li.setAttribute('data-from', m.from);
      li.textContent = m.from + ': ' + m.text;
    } catch (err) {
      li.className = 'system';
      li.textContent = e.data;
    }
    list.appendChild(li);
  };
  document.getElementById('composer').onsubmit = function (e) {
    e.preventDefault();
    if (text.value) {
      socket.send(text.value);
      text.value = '';
    }
  };
})();
