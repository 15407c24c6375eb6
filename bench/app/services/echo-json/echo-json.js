// The HTTP scenario `http-json` of cmd/duplex-bench: POST a JSON document
// (bench/order.json, 2 KB); the answer is the document with
//
//   count          one more
//   customer.name  in upper case
//   total          the sum of qty * price over items (added)
//   processed      true (added)
//
// The peers in ../../../bun, ../../../node and ../../../plainhttp do the
// same; controller/engine_bench_test.go runs this file too.
exports.post = function (req) {
  var doc = JSON.parse(req.body);
  doc.count += 1;
  doc.customer.name = doc.customer.name.toUpperCase();
  var total = 0;
  for (var i = 0; i < doc.items.length; i++) {
    total += doc.items[i].qty * doc.items[i].price;
  }
  doc.total = total;
  doc.processed = true;
  return { body: doc };
};
