exports.get = function (req) {
  return {
    body: '<!DOCTYPE html><html><head><meta charset="utf-8"><title>duplex</title></head>' +
      '<body><h1>duplex</h1><p>The bundled chat arrives with WebSocket support.</p></body></html>'
  };
};
