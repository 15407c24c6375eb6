// The page at /webapp/<app>/ (and at /, for the first application served):
// a chat, whose script and style are assets/chat.js and assets/chat.css.
import { assetUrl, serviceUrl } from '/lib/xp/portal';

export function get(): Duplex.Response {
  const chat = serviceUrl({ service: 'chat', type: 'websocket' });
  const script = assetUrl({ path: 'chat.js' });
  const style = assetUrl({ path: 'chat.css' });
  return {
    body: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(app.name)}</title>
<link rel="stylesheet" href="${escapeHtml(style)}">
</head>
<body>
<h1>${escapeHtml(app.name)}</h1>
<ul id="messages"></ul>
<form id="say"><input id="text" autocomplete="off" placeholder="Say something" required> <button>Send</button></form>
<script src="${escapeHtml(script)}" data-chat="${escapeHtml(chat)}"></script>
</body>
</html>
`,
  };
}

// escapeHtml makes text safe in HTML, attribute values included.
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
