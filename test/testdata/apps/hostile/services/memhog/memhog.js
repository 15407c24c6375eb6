// Scripts that would run the server out of memory (issue 12's list):
// one huge allocation, a loop that piles up objects until stopped, and a
// serialization that grows without end.
var kept = [];
exports.get = function (req) {
  var what = req.params.what;
  if (what === 'graph') {
    while (true) {
      kept.push({ n: kept.length, s: 'y'.repeat(200), next: kept[kept.length - 1] });
    }
  }
  try {
    if (what === 'json') {
      // Forty doublings: a few lines, an output without end.
      var a = ['y'.repeat(100)];
      for (var i = 0; i < 40; i++) { a = [a, a]; }
      JSON.stringify(a);
    }
    if (what === 'repeat') { 'x'.repeat(Math.pow(2, 31)); }
    if (what === 'fill') { new Array(1e8).fill(0); }
    if (what === 'sort') { new Array(4e6).fill(1).sort(); }
    return { body: 'allocated' };
  } catch (e) {
    return { status: 400, body: e.name + ': ' + e.message };
  }
};
