// Scripts that would run the server out of memory (issue 12's list):
// one huge allocation, and a loop that piles up objects until stopped.
var kept = [];
exports.get = function (req) {
  var what = req.params.what;
  if (what === 'graph') {
    while (true) {
      kept.push({ n: kept.length, s: 'y'.repeat(200), next: kept[kept.length - 1] });
    }
  }
  try {
    if (what === 'repeat') { 'x'.repeat(Math.pow(2, 31)); }
    if (what === 'fill') { new Array(1e8).fill(0); }
    if (what === 'sort') { new Array(4e6).fill(1).sort(); }
    return { body: 'allocated' };
  } catch (e) {
    return { status: 400, body: e.name + ': ' + e.message };
  }
};
