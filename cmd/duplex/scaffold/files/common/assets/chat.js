// The page's chat client, run by the browser: one WebSocket to the chat
// service, whose URL the page's controller wrote into data-chat. Each line
// typed is a message; each message received is a line.
(() => {
  'use strict';
  const url = new URL(document.currentScript.dataset.chat);
  url.searchParams.set('name', 'guest-' + Math.floor(Math.random() * 1000));
  const socket = new WebSocket(url);
  const messages = document.getElementById('messages');
  const text = document.getElementById('text');

  function show(line) {
    const li = document.createElement('li');
    li.textContent = line;
    messages.append(li);
  }

  socket.onmessage = (event) => show(event.data);
  socket.onclose = () => show('(disconnected: reload the page to join again)');
  document.getElementById('say').onsubmit = (event) => {
    event.preventDefault();
    if (socket.readyState === WebSocket.OPEN && text.value) {
      socket.send(text.value);
      text.value = '';
    }
  };
})();
