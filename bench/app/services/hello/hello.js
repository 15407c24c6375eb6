// The HTTP scenario `http` of cmd/duplex-bench: GET ?name=X answers
//
//   {"message":"Hello X","agent":"<User-Agent>","items":[
//     {"id":1,"name":"item 1","price":100,"active":true}, ... id 5]}
//
// (price = id * 100, active = id is odd; name defaults to "world"). The
// peers in ../../../bun, ../../../node and ../../../plainhttp answer the
// same bytes; controller/engine_bench_test.go runs this file too.
exports.get = function (req) {
  var items = [];
  for (var i = 1; i <= 5; i++) {
    items.push({ id: i, name: 'item ' + i, price: i * 100, active: i % 2 === 1 });
  }
  return {
    body: {
      message: 'Hello ' + (req.params.name || 'world'),
      agent: req.headers['User-Agent'] || '',
      items: items
    }
  };
};
