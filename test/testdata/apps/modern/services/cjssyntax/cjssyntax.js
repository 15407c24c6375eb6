function answer() {
  if (true) {
    return { body: 'x' };
  }

exports.get = answer;
